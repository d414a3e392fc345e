"""`non-finite`: the loss (or the gradients) became NaN or Inf."""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field, NonFiniteInfo
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._recipe import clips, lr_advice, optimizer_in_use, sentence
from dllab.diagnose.rules.exploding_gradients import explosion


def before_any_update(bad: NonFiniteInfo) -> bool:
    """The first NaN/Inf came before the first optimizer step changed a weight.

    A loss's step counts the steps done before it; a gradient's, the step it was about to make.
    """
    loss, grad = bad.get("loss"), bad.get("grad")
    return (loss is not None and int(loss["step"]) == 0) or (
        loss is None and grad is not None and int(grad["step"]) <= 1
    )


class NonFinite(Rule):
    check = "non-finite"
    lesson = "learning-rate"
    requires = (
        Field.NONFINITE,
        Field.TOTAL_NORMS,
        Field.WEIGHT_NORMS,
        Field.OPTIMIZERS,
        Event.CLIP,
        Field.LOSSES,
        Event.BACKWARD,
        Event.STEP,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.NONFINITE):
            return []
        bad = ctx.get(Field.NONFINITE)
        if "loss" not in bad and "grad" not in bad:
            return []
        parts = []
        if "loss" in bad:
            parts.append(f"loss was {bad['loss']['value']} at step {bad['loss']['step']}")
        if "grad" in bad:
            parts.append(f"gradient norm was {bad['grad']['value']} at step {bad['grad']['step']}")
        if "grad_layer" in bad:
            parts.append(
                f"first non-finite layers in {bad['grad_layer']['model']}: {', '.join(bad['grad_layer']['layers'])}"
            )
        cause = explosion(ctx)
        if cause is not None:
            parts.append(
                f"it follows the exploding gradients (out of range from step {cause.step}): see exploding-gradients"
            )
        train = [s for s in ctx.losses() if s.get("train_calls")]
        calls = ctx.sites(Event.BACKWARD) or ctx.sites(Event.STEP)
        location = (
            ctx.site_location(train[0])
            if train
            else ctx.site_location(calls[0])
            if calls
            else ctx.model_location()
        )
        anomaly = "torch.autograd.set_detect_anomaly(True) finds the op that first produced it"
        if cause is not None:
            fixes = ["fix its cause, the exploding gradients (see that finding's fix)", anomaly]
        elif before_any_update(bad):
            parts.append(
                "before the first optimizer step: no update made it, the learning rate cannot be the cause"
            )
            fixes = [
                "guard log/sqrt/division against 0 (F.log_softmax / F.cross_entropy, an eps)",
                "check the inputs and targets for NaN/Inf (torch.isfinite(x).all())",
                anomaly,
            ]
        else:
            fixes = [
                lr_advice(optimizer_in_use(ctx)),
                ""
                if clips(ctx)
                else "clip gradients (clip_grad_norm_ between backward() and step())",
                "guard log/sqrt/division against 0 (F.log_softmax / F.cross_entropy, an eps)",
                anomaly,
            ]
        return [
            self.finding(
                Severity.ERROR,
                "Training produced NaN/Inf: every step after it is wasted.",
                "; ".join(parts),
                location,
                sentence(fixes),
                confirmed=True,
            )
        ]
