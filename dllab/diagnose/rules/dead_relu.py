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

ZERO_GRADIENT_TYPES = {"ReLU", "ReLU6"}
"""Only these can kill a unit: LeakyReLU, GELU, ELU, SiLU… still pass gradient for negative inputs."""
MIN_SAMPLES = 256
WARN_FRACTION = 0.5
ERROR_FRACTION = 0.9


class DeadRelu(Rule):
    check = "dead-relu"
    lesson = "dead-relu"
    requires = (
        Field.DEAD_UNITS,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.DEAD_UNITS):
            return []
        findings = []
        for model, layers in ctx.get(Field.DEAD_UNITS).items():
            bad = [
                (name, d)
                for name, d in layers.items()
                if d["samples"] >= MIN_SAMPLES
                and not d.get("nonfinite")  # NaN > 0 is False: NaN inputs make every unit look dead
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
                    "Lower the learning rate (Adam <= 1e-3) or add warmup; use Kaiming init, LeakyReLU/GELU or BatchNorm; check for large negative biases.",
                    confirmed=True,
                )
            )
        return findings
