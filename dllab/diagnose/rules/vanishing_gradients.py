"""`vanishing-gradients`: the first layer's gradient is orders of magnitude below the last's.

Median per-layer weight-gradient norm over the first recorded steps, in forward
order. Reported when first/last < 1e-3 and the first norm < 1e-4 (AUTOTRAINER's
pair of conditions), as an error below 1e-5. Needs at least 3 weight layers,
and the first layer's weights must also barely move (median update below 0.1%
of their norm per step): under Adam small gradients still make real updates.
"""

from __future__ import annotations

import statistics

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._recipe import (
    ADAPTIVE,
    NORMALIZATION,
    SATURATING,
    module_types,
    optimizer_in_use,
    sentence,
)
from dllab.probes import first_last_ratio

WARN_RATIO = 1e-3
ERROR_RATIO = 1e-5
FIRST_MAX = 1e-4
EARLY_STEPS = 5
MOVING = 1e-3
"""A first layer whose weights change by this share of their norm per step (median) is learning,
whatever its gradient norm: the rule judges what the optimizer did to the weights."""


def ordered_norms(ctx: Context, model: str, early: bool = True) -> dict[str, float]:
    """Median gradient norm per layer (the first steps when `early`), in forward order."""
    history: dict[str, list[float]] = ctx.get(Field.GRAD_NORMS, {}).get(model, {})
    layers = next((m.get("layers", []) for m in ctx.models() if m["name"] == model), [])
    order = [n for n in layers if n in history] + [n for n in history if n not in layers]
    return {
        n: statistics.median(history[n][:EARLY_STEPS] if early else history[n])
        for n in order
        if history[n]
    }


def fix_for(ctx: Context) -> str:
    """What fits the model and optimizer the run used (never what they already have)."""
    types = module_types(ctx)
    saturating = sorted(types & SATURATING)
    fixes = []
    if saturating or not types:
        acts = "/".join(saturating) or "saturating sigmoid/tanh"
        fixes.append(f"replace {acts} with ReLU/GELU and Kaiming init")
    if not types & NORMALIZATION:
        fixes.append("add normalization (BatchNorm/LayerNorm)")
    fixes.append("add residual connections")
    opt = optimizer_in_use(ctx)
    if opt is not None and opt["type"] not in ADAPTIVE:
        fixes.append(f"or switch {opt['type']} to Adam, which scales small gradients up per weight")
    return sentence(fixes)


class VanishingGradients(Rule):
    check = "vanishing-gradients"
    lesson = "vanishing-gradients"
    requires = (
        Field.GRAD_NORMS,
        Field.UPDATE_RATIOS,
        Field.MODELS,
        Field.OPTIMIZERS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.GRAD_NORMS):
            return []
        findings = []
        for model in ctx.get(Field.GRAD_NORMS):
            norms = ordered_norms(ctx, model)
            if len(norms) < 3:
                continue
            ratio = first_last_ratio(norms)
            names = list(norms)
            first = norms[names[0]]
            if not (ratio < WARN_RATIO and first < FIRST_MAX):
                continue
            severity = Severity.ERROR if ratio < ERROR_RATIO else Severity.WARNING
            evidence = f"median gradient norm over the first steps: {names[0]} {first:.2e} vs {names[-1]} {norms[names[-1]]:.2e} (ratio {ratio:.1e}, across {len(names)} layers)"
            update = ctx.get(Field.UPDATE_RATIOS, {}).get(f"{model}:{names[0]}.weight")
            if update and update[1] >= MOVING:
                continue  # the optimizer (e.g. Adam's per-weight scaling) still moves the first layer
            if update:
                evidence += f"; {names[0]}'s weights change by {update[1]:.1e} of their norm per step (median)"
            findings.append(
                self.finding(
                    severity,
                    f"Vanishing gradients in {model}: the first layers barely learn.",
                    evidence,
                    ctx.layer_location(model, names[0]),
                    fix_for(ctx),
                    confirmed=True,
                )
            )
        return findings
