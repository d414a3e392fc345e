"""`overfitting`: validation loss rises while training loss keeps falling, for several evaluations.

The run's losses are split into phases: training losses (grad enabled) and
evaluation losses (under no_grad). Each evaluation phase is paired with the
training phase before it; `dllab.probes.overfitting_onset` needs a relative gap
above 10% sustained for 3 evaluations, never one noisy epoch.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.probes import overfitting_onset


def epoch_pairs(ctx: Context) -> tuple[list[float], list[float]]:
    train: list[float] = []
    val: list[float] = []
    last_train: float | None = None
    for phase in ctx.get(Field.PHASES, []):
        if phase["kind"] == "train":
            last_train = float(phase["mean"])
        elif last_train is not None:
            train.append(last_train)
            val.append(float(phase["mean"]))
    return train, val


class Overfitting(Rule):
    check = "overfitting"
    lesson = "overfitting-capacity"
    requires = (
        Field.PHASES,
        Field.LOSSES,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.PHASES):
            return []
        train, val = epoch_pairs(ctx)
        found = overfitting_onset(train, val)
        if found is None:
            return []
        evals = [s for s in ctx.losses() if s.get("eval_calls")]
        location = ctx.site_location(evals[0]) if evals else ctx.at(None)
        evidence = (
            f"validation loss {found.best_val:.3f} at evaluation {found.best_index + 1} rose to {found.last_val:.3f} "
            f"by evaluation {len(val)} while training loss fell to {found.last_train:.3f} (gap {found.last_gap:.0%})"
        )
        return [
            self.finding(
                Severity.WARNING,
                "The model overfits: validation loss rises while training loss keeps falling.",
                evidence,
                location,
                "Stop early at the best validation loss (keep that checkpoint); add weight decay, dropout or data augmentation; or use a smaller model / more data.",
                confirmed=True,
            )
        ]
