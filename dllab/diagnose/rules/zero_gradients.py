"""`zero-gradients`: gradients are zero (or ~1e-12) at every step and the training loss is flat.

The model receives no signal: a softmax / log_softmax over a dimension of size 1
(always 1 / 0), an output taken through argmax / round / a comparison, or a
loss that does not depend on the prediction. Reported only when both hold over
at least 3 measured steps, so a converged model (small but real gradients, a
loss that moved) never is.
"""

from __future__ import annotations

import math

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule

ZERO_NORM = 1e-10
MIN_MEASURED = 3
FLAT = 1e-6


class ZeroGradients(Rule):
    check = "zero-gradients"
    lesson = "autograd-basics"
    requires = (
        Field.TOTAL_NORMS,
        Field.PHASES,
        Field.LOSSES,
        Field.OPTIMIZERS,
        Field.MODELS,
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
        if not train:
            return []
        low, high = min(p["min"] for p in train), max(p["max"] for p in train)
        if high - low > FLAT * max(1.0, abs(high)):
            return []
        losses = [s for s in ctx.losses() if s.get("train_calls")]
        location = ctx.site_location(losses[0]) if losses else ctx.model_location()
        return [
            self.finding(
                Severity.ERROR,
                "The model learns nothing: every gradient is ~0 and the training loss never changes.",
                f"total gradient norm at most {max(norms):.1e} at all {len(norms)} measured steps; training loss stayed at {high:.6g}",
                location,
                "Check that the loss depends on the model's output through differentiable ops: a softmax/log_softmax over a dimension of size 1 is constant (check dim and the output shape); argmax, round or comparisons have no gradient.",
                confirmed=True,
            )
        ]
