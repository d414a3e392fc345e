"""`overfitting`: validation loss rises for several evaluations while training loss does not.

The run's losses are split into phases: training losses (grad enabled) and
evaluation losses (under no_grad). Each evaluation phase is paired with the
training phase before it. `dllab.probes.overfitting_onset` looks after the
best validation loss of the whole run: a relative gap above 10% and a rise of
20% over that best, for 3 evaluations in a row (patience), while training
loss keeps falling or has plateaued; never one noisy epoch, and not when the
validation loss comes back down by the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.probes import overfitting_onset


@dataclass(frozen=True)
class Evaluations:
    """One entry per evaluation phase: the training loss before it, its loss, its step."""

    train: list[float]
    val: list[float]
    steps: list[int]
    """Optimizer steps taken when each evaluation ran."""


def epoch_pairs(ctx: Context) -> Evaluations:
    evals = Evaluations([], [], [])
    last_train: float | None = None
    for phase in ctx.get(Field.PHASES, []):
        if phase["kind"] == "train":
            last_train = float(phase["mean"])
        elif last_train is not None:
            evals.train.append(last_train)
            evals.val.append(float(phase["mean"]))
            evals.steps.append(int(phase.get("first_step", 0)))
    return evals


class Overfitting(Rule):
    check = "overfitting"
    lesson = "overfitting-capacity"
    requires = (Field.PHASES, Field.LOSSES)

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.PHASES):
            return []
        evals = epoch_pairs(ctx)
        found = overfitting_onset(evals.train, evals.val)
        if found is None:
            return []
        sites = [s for s in ctx.losses() if s.get("eval_calls")]
        location = ctx.site_location(sites[0]) if sites else ctx.at(None)
        best, onset, n = found.best_index, found.onset, len(evals.val)
        train_at_best = evals.train[best]
        trend = (
            f"fell from {train_at_best:.3f} to {found.last_train:.3f}"
            if found.last_train < train_at_best * 0.9
            else f"stayed at {found.last_train:.3f}"
        )
        evidence = (
            f"validation loss was lowest at evaluation {best + 1} of {n} ({found.best_val:.3f}, after {evals.steps[best]:,} steps); "
            f"from evaluation {onset + 1} (after {evals.steps[onset]:,} steps) it stayed above that, ending at {found.last_val:.3f}, "
            f"while training loss {trend}"
        )
        return [
            self.finding(
                Severity.WARNING,
                "The model overfits: validation loss rises while training loss does not.",
                evidence,
                location,
                f"Keep the model from evaluation {best + 1} (after {evals.steps[best]:,} steps): stop early when validation loss has not improved for a few evaluations; "
                "add weight decay, dropout or data augmentation; or use a smaller model / more data.",
                confirmed=True,
            )
        ]
