"""`zero-gradients`: gradients are zero (or ~1e-12) at every step and the training loss is flat.

The model receives no signal: a softmax / log_softmax over a dimension of size 1
(always 1 / 0), an output taken through argmax / round / a comparison, a
loss that does not depend on the prediction, or float16 gradients that underflow
to 0 (autocast without a GradScaler). A hand-written loss (no loss function
called) is judged on the values `backward()` ran on. Reported only when both hold over
at least 3 measured steps, so a converged model (small but real gradients, a
loss that moved) never is.
"""

from __future__ import annotations

import math

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule

ZERO_NORM = 1e-10
MIN_MEASURED = 3
FLAT = 1e-6


class ZeroGradients(Rule):
    check = "zero-gradients"
    lesson = "autograd-basics"
    requires = (
        Field.TOTAL_NORMS,
        Field.WEIGHT_NORMS,
        Field.PHASES,
        Field.BACKWARD_LOSSES,
        Field.LOSSES,
        Field.OPTIMIZERS,
        Field.MODELS,
        Event.BACKWARD,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.TOTAL_NORMS, Field.PHASES):
            return []
        norms = [float(v) for _, v in ctx.get(Field.TOTAL_NORMS)]
        if len(norms) < MIN_MEASURED or not all(math.isfinite(v) and v <= ZERO_NORM for v in norms):
            return []
        if any(not o["with_grad"] for o in ctx.get(Field.OPTIMIZERS, []) if o["steps"]):
            return []  # no gradient at all: `optimizer-updates-nothing` says why
        train = [p for p in ctx.get(Field.PHASES) if p["kind"] == "train" and "min" in p]
        if train:
            low, high = min(p["min"] for p in train), max(p["max"] for p in train)
        else:  # no loss function was called (a hand-written loss): what backward() ran on
            roots = ctx.get(Field.BACKWARD_LOSSES) or {}
            if int(roots.get("n", 0)) < MIN_MEASURED or roots.get("min") is None:
                return []
            low, high = float(roots["min"]), float(roots["max"])
        weights = [float(v) for _, v in ctx.get(Field.WEIGHT_NORMS, [])]
        frozen_weights = len(weights) >= MIN_MEASURED and max(weights) - min(weights) <= FLAT * max(
            1e-12, abs(weights[0])
        )
        flat_loss = high - low <= FLAT * max(1.0, abs(high))
        if not (flat_loss or frozen_weights):
            # Mini-batches differ, so a loss that moves proves nothing; weights the optimizer
            # never moved (with every gradient ~0) do.
            return []
        if flat_loss:
            what = f"training loss stayed at {high:.6g}"
        else:
            what = f"the weights' norm stayed at {weights[0]:.6g} (training loss {low:.4g} to {high:.4g}: the batches differ, the model does not)"
        losses = [s for s in ctx.losses() if s.get("train_calls")]
        backwards = ctx.sites(Event.BACKWARD)
        if losses:
            location = ctx.site_location(losses[0])
        elif backwards:  # a hand-written loss: its backward() line
            location = ctx.site_location(backwards[0])
        else:
            location = ctx.model_location()
        return [
            self.finding(
                Severity.ERROR,
                "The model learns nothing: every gradient is ~0 and the training loss never changes."
                if flat_loss
                else "The model learns nothing: every gradient is ~0 and no weight ever moves.",
                f"total gradient norm at most {max(norms):.1e} at all {len(norms)} measured steps; {what}",
                location,
                "Check that the loss depends on the model's output through differentiable ops: a softmax/log_softmax over a dimension of size 1 is constant (check dim and the output shape); argmax, round or comparisons have no gradient. Under float16 autocast, gradients smaller than 6e-8 underflow to exactly 0: scale the loss with torch.amp.GradScaler, or use bfloat16.",
                confirmed=True,
            )
        ]
