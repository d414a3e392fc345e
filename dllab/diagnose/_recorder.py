"""The child's measurements of one run, kept as plain data (runs in the child only).

`Recorder` is what the hooks and the `TorchFunctionMode` (`_instrument.py`)
write to. It holds one part per thing it tracks: where in the user's code
(`_sites.UserCode`), models and modes (`_models.Models`), steps and gradients
(`_steps.Gradients`) and losses (`_losses.Losses`), plus the run-wide counts.
`summary()` turns them into the `Observations` document (`observations.py`)
that `child.py` writes as JSON for the parent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from dllab.diagnose._ddp import Distributed
from dllab.diagnose._losses import Losses
from dllab.diagnose._models import Models
from dllab.diagnose._sites import Site, UserCode
from dllab.diagnose._steps import Gradients
from dllab.diagnose.observations import Counter, Event, NonFiniteInfo, Observations, Outcome
from dllab.fsutil import atomic_write_text

DENSE_DEAD_STEPS = 500
"""Up to this step dead-unit windows roll every 10 steps; after it every 100."""


class StopDiagnose(BaseException):
    """Raised from a hook to end the user's script at the step or time budget.

    A BaseException, so that a user's `except Exception` does not swallow it.
    """

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Recorder:
    """Everything the child measures about one run of the user's script."""

    def __init__(self, script: str, max_steps: int | None, out_path: str) -> None:
        self.max_steps = max_steps
        self.out_path = out_path
        self.last_flush = time.monotonic()
        self.code = UserCode(script)
        self.models = Models(self.code.is_user_file, self.code.user_site)
        self.grads = Gradients()
        self.losses = Losses()
        self.steps = 0
        """Optimizer steps taken (any optimizer)."""
        self.backwards = 0
        self.last_event = ""
        """`step` or `backward`: which of the two ran last."""
        self.counters: dict[Counter, int] = dict.fromkeys(Counter, 0)
        self.ddp = Distributed(self.code, lambda: self.steps)

    def count(self, counter: Counter) -> None:
        self.counters[counter] += 1

    def hit(self, kind: Event, where: tuple[str, int] | None, **extra: object) -> Site | None:
        """Count one event of `kind` at a user source line (`where`; None: not the user's)."""
        return self.code.hit(kind, where, **extra)

    # -- optimizer steps ------------------------------------------------------------

    def before_step(self, optimizer: torch.optim.Optimizer) -> None:
        step = self.steps + 1
        where = (
            self.code.user_site()
            if step <= 3 or id(optimizer) not in self.grads.optimizers
            else None
        )
        if step <= 3:
            self.hit(Event.STEP, where)
        # Read once per step and shared: this runs on every step of a whole run.
        params = [p for group in optimizer.param_groups for p in group["params"]]
        models = self.models.stepping(set(map(id, params)))
        self.grads.before_step(optimizer, step, models, where, params)
        self.ddp.before_step(optimizer)
        after_eval, in_eval = self.models.modes_at_step(models)
        self.counters[Counter.STEPS_AFTER_EVAL_MODE] += len(after_eval)
        for info in after_eval:  # the cause is the eval() call, not the step
            self.hit(Event.EVAL_LEFT_ON, self.models.eval_site(info), model=info.name)
        self.counters[Counter.STEPS_IN_EVAL] += in_eval

    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        self.steps += 1
        self.last_event = "step"
        self.grads.after_step(optimizer)
        self.ddp.after_step(optimizer)
        if self.steps == 1:
            self.models.note_dead_at_start()
        if self.steps % 10 == 0:
            self.losses.check_alive(self.steps)
            if self.steps <= DENSE_DEAD_STEPS or self.steps % 100 == 0:
                # A closed window starts a new one, filled by the next forwards: every 10
                # steps early on, every 100 later (a long run's dead units are as recent).
                self.models.roll_dead_windows()
        now = time.monotonic()
        if now - self.last_flush > 1.0 or self.steps <= 3:
            self.last_flush = now
            self.flush(partial=True)
        if self.max_steps is not None and self.steps >= self.max_steps:
            raise StopDiagnose("max-steps")

    # -- output ---------------------------------------------------------------------

    def _nonfinite(self) -> NonFiniteInfo:
        found: NonFiniteInfo = {}
        if self.losses.nonfinite is not None:
            found["loss"] = self.losses.nonfinite
        if self.grads.nonfinite is not None:
            found["grad"] = self.grads.nonfinite
        if self.grads.nonfinite_layers is not None:
            found["grad_layer"] = self.grads.nonfinite_layers
        return found

    def summary(self) -> Observations:
        self.losses.convert()
        roots = list(self.models.roots.values())
        return {
            "steps": self.steps,
            "backwards": self.backwards,
            "models": [info.info() for info in roots],
            "optimizers": self.grads.optimizer_records(roots),
            "grad_norms": self.grads.history,
            "total_norms": self.grads.total_norms,
            "weight_norms": self.grads.weight_norms,
            "update_ratios": self.grads.update_summary(),
            "zero_grad": dict(self.grads.zero_grad),  # type: ignore[typeddict-item]
            "nonfinite": self._nonfinite(),
            "sites": self.code.records(),
            "losses": self.losses.site_records(),
            "phases": self.losses.phase_records(),
            "backward_losses": self.losses.backward_record(),
            "printed_losses": self.losses.printed,
            "alive_old_losses": self.losses.max_alive_old,
            "dead_units": self.models.dead_units(),
            "untrained_params": self.grads.untrained_params(roots),
            "counters": {c.value: n for c, n in self.counters.items()},
            "distributed": self.ddp.summary(),
        }

    def flush(self, partial: bool, outcome: Outcome | None = None) -> None:
        """Write the summary for the parent (atomically: a crash never leaves half a file).

        `partial` snapshots are written during the run so that a crash keeps the
        last one; the final document (`partial=False`) carries the `outcome`.
        """
        data: Observations
        try:
            data = self.summary()
        except Exception as exc:  # a broken measurement must not hide the others
            data = {"steps": self.steps, "notes": [f"summary failed: {exc!r}"]}
        if outcome is not None:
            data["outcome"] = outcome
        # A snapshot needs no fsync (the rename is atomic for the parent); the final one gets it.
        atomic_write_text(Path(self.out_path), json.dumps(data, default=str), durable=not partial)
