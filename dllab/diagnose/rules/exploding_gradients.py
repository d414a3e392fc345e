"""`exploding-gradients`: the total gradient norm grows by orders of magnitude, or overflows.

Baseline: the median total norm of the first 5 recorded steps. Reported when a
later norm is >= 100x the baseline (error at >= 1e3x), or when gradients become
non-finite after finite ones.
"""

from __future__ import annotations

import math
import statistics

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule

WARN_GROWTH = 100.0
ERROR_GROWTH = 1e3


class ExplodingGradients(Rule):
    check = "exploding-gradients"
    lesson = "initialization"
    requires = (
        Field.TOTAL_NORMS,
        Event.STEP,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.TOTAL_NORMS):
            return []
        norms: list[tuple[int, float]] = [(int(s), float(v)) for s, v in ctx.get(Field.TOTAL_NORMS)]
        finite = [(s, v) for s, v in norms if math.isfinite(v)]
        if len(finite) < 3:
            return []
        base = statistics.median(v for _, v in finite[:5])
        later = finite[5:]
        peak_step, peak = max(later, key=lambda sv: sv[1]) if later else (0, 0.0)
        overflow = next(((s, v) for s, v in norms if not math.isfinite(v)), None)
        growth = peak / base if base > 0 else 0.0
        if overflow is not None:
            evidence = f"total gradient norm {base:.3g} over the first steps, {peak:.3g} at most later, then {overflow[1]} at step {overflow[0]}"
            severity = Severity.ERROR
        elif growth >= WARN_GROWTH:
            evidence = f"total gradient norm grew {growth:,.0f}x: median {base:.3g} over the first steps, {peak:.3g} at step {peak_step}"
            severity = Severity.ERROR if growth >= ERROR_GROWTH else Severity.WARNING
        else:
            return []
        steps = ctx.sites(Event.STEP)
        return [
            self.finding(
                severity,
                "Exploding gradients: the gradient norm grows without bound.",
                evidence,
                ctx.site_location(steps[0]) if steps else ctx.model_location(),
                "Clip gradients with clip_grad_norm_(params, 1.0) between backward() and step(); lower the learning rate; check the initialization scale.",
                confirmed=True,
            )
        ]
