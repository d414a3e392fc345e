"""`no-training-step`: the script ran to its end and no optimizer ever stepped.

dllab's run-time checks watch `optimizer.step()`; a script without one trained
nothing that dllab could see: hand-written `p.data -= lr * p.grad` updates, a
loop over an empty DataLoader, an epoch count of 0, a DDP launcher that spawned
no worker. The report's status is `no-steps` (not a pass), and this finding
says what the run did instead.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural


class NoTrainingStep(Rule):
    check = "no-training-step"
    lesson = "autograd-basics"
    requires = (
        Field.STEPS,
        Field.BACKWARDS,
        Field.LOSSES,
        Field.MODELS,
        Field.OPTIMIZERS,
        Event.BACKWARD,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if ctx.status != "no-steps":
            return []
        backwards = int(ctx.get(Field.BACKWARDS, 0))
        losses = ctx.losses()
        calls = ctx.sites(Event.BACKWARD)
        if backwards:
            evidence = f"{plural(backwards, 'backward() call')} and no optimizer.step(): the weights were updated by hand, if at all, which dllab does not watch"
            fix = "Update through a torch.optim optimizer (opt.step() after loss.backward()) so that gradients and updates can be checked; hand-written updates are not diagnosed."
            severity = Severity.WARNING
            location = ctx.site_location(calls[0]) if calls else ctx.at(None)
        else:
            seen = (
                f"{plural(sum(s['count'] for s in losses), 'loss call')}"
                if losses
                else "no loss call"
            )
            evidence = f"no optimizer.step() and no backward() ran ({seen}, {plural(len(ctx.models()), 'model')} called): the training loop never ran"
            fix = "Check that the training loop runs: an epoch count of 0, an empty dataset or DataLoader (drop_last with too few samples), or workers that were never started."
            severity = Severity.ERROR
            built = [o for o in ctx.get(Field.OPTIMIZERS, []) if o.get("line")]
            location = (
                Location(ctx.display_path(built[0]["file"]), built[0]["line"])
                if built
                else ctx.site_location(losses[0])
                if losses
                else ctx.model_location()
            )
        return [
            self.finding(
                severity,
                "No optimizer step ran: nothing was trained.",
                evidence,
                location,
                fix,
                confirmed=True,
            )
        ]
