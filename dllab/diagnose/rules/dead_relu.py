"""`dead-relu`: activation layers where most units never fire on recent inputs.

Only ReLU/ReLU6 (modules and functional calls) count: other activations pass a
gradient for negative inputs, so their units recover. A unit is dead when its
output was never > 0 over a window of at least 256
samples (recent inputs, so units that died during training count). A layer is
reported above 50% dead units; above 90% the network is mostly constant: error.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._recipe import NORMALIZATION, module_types

ZERO_GRADIENT_TYPES = {"ReLU", "ReLU6"}
"""Only these can kill a unit: LeakyReLU, GELU, ELU, SiLU… still pass gradient for negative inputs."""
MIN_SAMPLES = 256
WARN_FRACTION = 0.5
ERROR_FRACTION = 0.9


ADAPTIVE = {"Adam", "AdamW", "NAdam", "RAdam", "Adamax"}
"""Optimizers for which lr <= 1e-3 is the usual safe range."""


def fix_for(ctx: Context) -> str:
    """The fix that fits the run: the optimizer and learning rate it actually used."""
    opts = [o for o in ctx.get(Field.OPTIMIZERS, []) if o.get("steps")]
    has_norm = bool(module_types(ctx) & NORMALIZATION)
    tail = (
        "use Kaiming init or LeakyReLU/GELU"
        + ("" if has_norm else ", or add BatchNorm")
        + "; check for large negative biases."
    )
    if not opts or opts[0].get("lr") is None:
        return "Lower the learning rate or add warmup; " + tail
    name, lr = opts[0]["type"], float(opts[0]["lr"])
    if name in ADAPTIVE and lr > 1e-3:
        step = f"lower {name}'s learning rate from {lr:g} to 1e-3 or below"
    elif name in ADAPTIVE:
        step = f"{name}'s learning rate ({lr:g}) is already moderate: add warmup"
    else:
        step = f"lower {name}'s learning rate (now {lr:g}), e.g. to {lr / 10:g}, or add warmup"
    return f"{step[0].upper()}{step[1:]}; {tail}"


class DeadRelu(Rule):
    check = "dead-relu"
    lesson = "dead-relu"
    requires = (
        Field.DEAD_UNITS,
        Field.MODELS,
        Field.OPTIMIZERS,
        Field.NONFINITE,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.DEAD_UNITS):
            return []
        bad = ctx.get(Field.NONFINITE, {})
        if "loss" in bad or "grad" in bad:
            return []  # NaN > 0 is False: after NaN/Inf every unit looks dead, and none can be judged
        findings = []
        for model, layers in ctx.get(Field.DEAD_UNITS).items():
            bad = [
                (name, d)
                for name, d in layers.items()
                if d["samples"] >= MIN_SAMPLES
                and d["fraction"] > WARN_FRACTION
                # Small layers (a 4-3-3 net) count only when every unit is dead.
                and (d["units"] >= 4 or (d["units"] >= 2 and d["fraction"] >= 1.0))
                and d.get("type", "ReLU") in ZERO_GRADIENT_TYPES
            ]
            if not bad:
                continue
            bad.sort(key=lambda item: -item[1]["fraction"])
            name, worst = bad[0]
            parts = [
                f"{n}: {d['fraction']:.0%} of {d['units']:,} units never fired over {d['samples']:,} samples"
                for n, d in bad[:4]
            ]
            severity = Severity.ERROR if worst["fraction"] >= ERROR_FRACTION else Severity.WARNING
            if model == "functional":
                line = name.rsplit(" ", 1)[-1]
                location = ctx.at(int(line)) if line.isdigit() else ctx.at(None)
            else:
                location = ctx.layer_location(model, name)
            findings.append(
                self.finding(
                    severity,
                    f"Dead units in {model if model != 'functional' else 'functional activations'}: {len(bad)} activation layer(s) are mostly inactive.",
                    "; ".join(parts),
                    location,
                    fix_for(ctx),
                    confirmed=True,
                )
            )
        return findings
