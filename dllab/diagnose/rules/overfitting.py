"""`overfitting`: validation loss rises for several evaluations while training loss does not.

Two sources of evaluations, judged the same way:

- measured: the run's losses split into phases, training (grad enabled) and
  evaluation (under no_grad, or in eval() with no step in between); each
  evaluation phase is paired with the training phase before it;
- printed: validation losses the script prints (`epoch 3 val_loss 0.71`,
  `Validation Loss = 0.71`, logging), paired with the training loss printed with
  them, else the mean of the training losses measured since the previous one.
  They count where the measured ones show nothing: a validation loss computed
  with gradients on, or with a hand-written loss, is seen only there.

`dllab.probes.overfitting_onset` looks after the best validation loss of the
whole run: a relative gap above 10% and a rise of 20% over that best, for 3
evaluations in a row (patience), while training loss keeps falling or has
plateaued; never one noisy epoch, and not when the validation loss comes back
down by the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.rules._recipe import DROPOUT, module_types, optimizer_in_use, sentence
from dllab.probes import overfitting_onset
from dllab.probes.loss_gap import Overfitting as Onset


@dataclass
class Evaluations:
    """One entry per evaluation: the training loss before it, its loss, its step (and epoch)."""

    train: list[float]
    val: list[float]
    steps: list[int]
    """Optimizer steps taken when each evaluation ran."""
    epochs: list[int | None] = field(default_factory=list)
    """The epoch a printed evaluation named."""
    printed: bool = False

    def name(self, i: int) -> str:
        """How the report names evaluation `i`: its epoch when the script printed one."""
        epoch = self.epochs[i] if i < len(self.epochs) else None
        steps = f"after {plural(self.steps[i], 'step')}"
        return f"epoch {epoch} ({steps})" if epoch is not None else f"evaluation {i + 1} ({steps})"


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


def printed_pairs(ctx: Context) -> Evaluations:
    """The printed validation losses, one per step at which training had moved on."""
    evals = Evaluations([], [], [], [], printed=True)
    last_step = -1
    last_train: float | None = None
    for entry in ctx.get(Field.PRINTED_LOSSES, []):
        train = entry.get("train")
        if train is None:
            train = entry.get("measured_train")
        if train is None:
            train = last_train
        step = int(entry["step"])
        if train is None or step <= last_step:
            continue  # printed before training, or again at the same step (a summary at the end)
        last_step, last_train = step, float(train)
        evals.train.append(float(train))
        evals.val.append(float(entry["val"]))
        evals.steps.append(step)
        evals.epochs.append(entry.get("epoch"))
    return evals


class Overfitting(Rule):
    check = "overfitting"
    lesson = "overfitting-capacity"
    requires = (Field.PHASES, Field.PRINTED_LOSSES, Field.LOSSES, Field.OPTIMIZERS, Field.MODELS)

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.PHASES):
            return []
        for evals in (epoch_pairs(ctx), printed_pairs(ctx)):
            found = overfitting_onset(evals.train, evals.val)
            if found is not None:
                return [self._finding(ctx, evals, found)]
        return []

    def _fix(self, ctx: Context, best: str) -> str:
        """Regularization that fits the run: more of what it has, else what it lacks."""
        opt = optimizer_in_use(ctx)
        decay = float(opt.get("weight_decay") or 0.0) if opt is not None else 0.0
        regularize = [
            f"raise {opt['type']}'s weight decay (now {decay:g})"
            if opt is not None and decay > 0
            else "add weight decay",
            "raise the dropout rate" if module_types(ctx) & DROPOUT else "add dropout",
            "augment the data",
        ]
        return sentence(
            [
                f"keep the model from {best}: stop early when validation loss has not improved for a few evaluations",
                ", ".join(regularize[:-1]) + " or " + regularize[-1],
                "or use a smaller model / more data",
            ]
        )

    def _location(self, ctx: Context, evals: Evaluations) -> Location:
        if evals.printed:
            where = next((e for e in ctx.get(Field.PRINTED_LOSSES, []) if e.get("line")), None)
            if where is not None:
                return Location(ctx.display_path(where["file"]), where["line"])
        sites = [s for s in ctx.losses() if s.get("eval_calls")]
        return ctx.site_location(sites[0]) if sites else ctx.at(None)

    def _finding(self, ctx: Context, evals: Evaluations, found: Onset) -> Finding:
        best, onset, n = found.best_index, found.onset, len(evals.val)
        train_at_best = evals.train[best]
        trend = (
            f"fell from {train_at_best:.3f} to {found.last_train:.3f}"
            if found.last_train < train_at_best * 0.9
            else f"stayed at {found.last_train:.3f}"
        )
        source = "printed validation loss" if evals.printed else "validation loss"
        evidence = (
            f"{source} was lowest at {evals.name(best)} of {n} evaluations ({found.best_val:.3f}); "
            f"from {evals.name(onset)} on it stayed above that, ending at {found.last_val:.3f}, "
            f"while training loss {trend}"
        )
        return self.finding(
            Severity.WARNING,
            "The model overfits: validation loss rises while training loss does not.",
            evidence,
            self._location(ctx, evals),
            self._fix(ctx, evals.name(best)),
            confirmed=True,
        )
