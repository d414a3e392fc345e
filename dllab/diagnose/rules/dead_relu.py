"""`dead-relu`: activation layers where most units never fire on recent inputs.

Only ReLU/ReLU6 (modules and functional calls) count: other activations pass a
gradient for negative inputs, so their units recover. A unit is dead when its
output was never > 0 over a window of at least 256
samples (recent inputs, so units that died during training count). A layer is
reported above 50% dead units; above 90% the network is mostly constant: error.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import DeadLayer, Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._recipe import (
    NORMALIZATION,
    lr_advice,
    module_types,
    optimizer_in_use,
    sentence,
    warms_up,
)

ZERO_GRADIENT_TYPES = {"ReLU", "ReLU6"}
"""Only these can kill a unit: LeakyReLU, GELU, ELU, SiLU… still pass gradient for negative inputs."""
MIN_SAMPLES = 256
WARN_FRACTION = 0.5
ERROR_FRACTION = 0.9


START_SAMPLES = 16
"""Samples before the first update needed to call a layer dead from the start."""
HE_GAIN = 1.2
"""A model whose weights start at std * sqrt(fan_in) >= this already has He-scale init (He: 1.41)."""


def dead_from_start(layer: DeadLayer) -> bool:
    """Mostly dead already on the forwards before the first optimizer step: the init did it."""
    return (
        layer.get("start_samples", 0) >= START_SAMPLES
        and layer.get("start_fraction", 0.0) > WARN_FRACTION
    )


def fix_for(ctx: Context, model: str, layer: str, from_start: bool) -> str:
    """The fix that fits the run: the optimizer and learning rate it used, its init, the layer."""
    opt = optimizer_in_use(ctx)
    info = next((m for m in ctx.models() if m["name"] == model), None)
    gain = info.get("init_gain") if info else None
    fixes = []
    if from_start:
        # Before any update: neither the learning rate nor the optimizer can be the cause.
        fixes.append(
            "the units were dead before the first update, so look at how the layer before them is initialized: "
            "large negative biases (start them at 0) or an input far off zero (normalize it)"
        )
    else:
        fixes.append(lr_advice(opt))
        if opt is not None and not warms_up(opt):
            fixes.append("or add a warmup")
    if not from_start and (gain is None or gain < HE_GAIN):
        shown = f" (its weights start at std {gain:.2f}/sqrt(fan_in))" if gain is not None else ""
        fixes.append(f"use Kaiming (He) init for the layers before ReLUs{shown}")
    where = (
        "" if model == "functional" else f"at index {layer} " if layer.isdigit() else f"{layer} "
    )
    fixes.append(
        f"replace the ReLU {where}with LeakyReLU(0.01) or GELU, which pass a gradient below 0"
    )
    if not module_types(ctx) & NORMALIZATION and model != "functional":
        fixes.append("or add BatchNorm before it")
    return sentence(fixes)


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
            from_start = dead_from_start(worst)
            if from_start:
                parts.append(
                    f"{name} was already {worst['start_fraction']:.0%} dead on the {worst['start_samples']:,} samples before the first optimizer step"
                )
            elif worst.get("start_samples", 0) >= START_SAMPLES:
                parts.append(
                    f"{name} was {worst['start_fraction']:.0%} dead before the first optimizer step: its units died during training"
                )
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
                    fix_for(ctx, model, name, from_start),
                    confirmed=True,
                )
            )
        return findings
