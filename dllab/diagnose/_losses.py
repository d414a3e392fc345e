"""Losses: every loss call per line, the training/evaluation loss curve, losses kept alive (child only).

Device syncs are batched: loss values are kept as detached tensors and
converted to floats 64 at a time (and at each flush).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import Any

import torch

from dllab.diagnose._printed import PrintedLine
from dllab.diagnose._sites import Site
from dllab.diagnose.observations import (
    BackwardLosses,
    LossSite,
    NonFiniteValue,
    Phase,
    PrintedLoss,
)

_BATCH = 64
"""Loss values converted per device sync."""
_MAX_PRINTED = 5000
"""Printed validation losses kept (a script printing one every step keeps its first 5,000)."""


def _one_float(value: torch.Tensor) -> torch.Tensor:
    """The first element, detached, as a 0-dim float32 tensor (kept for one batched sync).

    Called on every loss and every backward(): as few tensor ops as possible (a scalar
    float32 loss, the usual case, costs one `detach()`).
    """
    v = value.detach()
    if v.dtype != torch.float32:
        v = v.float()
    if v.dim() == 0:
        return v
    return v.reshape(()) if v.numel() == 1 else v.reshape(-1)[0]


def _to_floats(values: list[torch.Tensor]) -> list[float]:
    """The values as Python floats: one device sync for all of them when they share a device."""
    device = values[0].device
    if all(v.device == device for v in values):
        return torch.stack(values).tolist()
    return [v.item() for v in values]  # losses on several devices: rare, one sync each


@dataclass
class _Phase:
    kind: str
    """`train`, `eval` (no grad) or `eval-mode` (grad on, model in eval(): decided at the end)."""
    first_step: int
    last_step: int
    values: list[float] = field(default_factory=list)

    def judged_kind(self) -> str:
        """An `eval-mode` phase is training if optimizer steps ran during it."""
        if self.kind == "eval-mode":
            return "train" if self.last_step > self.first_step else "eval"
        return self.kind


class Losses:
    """What the losses looked like, where they were computed, and how long they lived."""

    def __init__(self) -> None:
        self.sites: dict[tuple[str, str, int], Site] = {}
        self.phases: list[_Phase] = []
        self._pending: list[tuple[int, int, torch.Tensor]] = []
        """(phase index, step, detached loss) awaiting one batched device sync; phase -1: a backward() root."""
        self.tags: dict[int, tuple[weakref.ref[torch.Tensor], int]] = {}
        """id(loss tensor with a graph) -> (the tensor, the step it was computed at)."""
        self.max_alive_old = 0
        self.nonfinite: NonFiniteValue | None = None
        """The first NaN/Inf loss (or backward root)."""
        self.printed: list[PrintedLoss] = []
        self._train_sum, self._train_n = 0.0, 0
        """Finite `backward()` roots converted so far (the training losses between two printed
        validation losses: a validation loss computed with gradients on is never among them)."""
        self._mark = (0.0, 0)
        self.root_min = self.root_max = math.nan
        """The smallest and largest finite `backward()` root so far."""
        self._printed_train: float | None = None
        """The training loss last printed on a line of its own."""

    def site(self, fn: str, where: tuple[str, int] | None) -> Site:
        file, line = where if where is not None else ("", 0)
        key = (fn, file, line)
        site = self.sites.get(key)
        if site is None:
            site = self.sites[key] = Site(
                file,
                line,
                extra={
                    "fn": fn,
                    "checked": 0,
                    "prob_rows": 0,
                    "log_prob_rows": 0,
                    "unit_interval": 0,
                    "train_calls": 0,
                    "eval_calls": 0,
                    "classes": None,
                },
            )
        site.count += 1
        return site

    def record_value(self, value: torch.Tensor, kind: str, step: int) -> None:
        """A scalar loss of `kind` (see `_Phase.kind`) computed after `step` optimizer steps."""
        if not self.phases or self.phases[-1].kind != kind:
            self.phases.append(_Phase(kind, step, step))
        self.phases[-1].last_step = step
        self._pending.append((len(self.phases) - 1, step, _one_float(value)))
        if len(self._pending) >= _BATCH:
            self.convert()

    def record_backward_root(self, value: torch.Tensor, step: int) -> None:
        """The tensor `backward()` was called on (checked for NaN/Inf at the next conversion)."""
        if value.numel() == 1 and value.is_floating_point():
            self._pending.append((-1, step, _one_float(value)))
            if len(self._pending) >= _BATCH:
                self.convert()

    def convert(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        values = _to_floats([v for _, _, v in pending])
        for (phase, step, _), value in zip(pending, values, strict=True):
            if phase >= 0:
                self.phases[phase].values.append(value)
            elif math.isfinite(value):  # a backward() root: a training loss, never a validation one
                self._train_sum += value
                self._train_n += 1
                self.root_min = value if self._train_n == 1 else min(self.root_min, value)
                self.root_max = value if self._train_n == 1 else max(self.root_max, value)
            if not math.isfinite(value) and self.nonfinite is None:
                self.nonfinite = {"step": step, "value": str(value)}

    def record_printed(self, line: PrintedLine, step: int, where: tuple[str, int] | None) -> None:
        """A printed line naming a validation (or training) loss, after `step` optimizer steps."""
        if line.val is None:
            if line.train is not None:
                self._printed_train = line.train
            return
        if len(self.printed) >= _MAX_PRINTED:
            return
        previous = self.printed[-1] if self.printed else None
        if previous is not None and previous["val"] == line.val and previous["epoch"] == line.epoch:
            return  # the same line again (a progress bar repeating its postfix): no new evaluation
        self.convert()  # once per printed evaluation: the training losses since the previous one
        total, n = self._train_sum - self._mark[0], self._train_n - self._mark[1]
        self._mark = (self._train_sum, self._train_n)
        self.printed.append(
            {
                "step": step,
                "val": line.val,
                "train": line.train if line.train is not None else self._printed_train,
                "measured_train": total / n if n else None,
                "epoch": line.epoch,
                "file": where[0] if where else None,
                "line": where[1] if where else None,
            }
        )
        self._printed_train = None

    def tag(self, t: torch.Tensor, step: int) -> None:
        self.tags[id(t)] = (weakref.ref(t), step)
        if len(self.tags) > 4096:
            self.tags = {k: v for k, v in self.tags.items() if v[0]() is not None}

    def tag_of(self, t: Any) -> int | None:
        """The step a tagged loss tensor (or a sum of them) was computed at."""
        entry = self.tags.get(id(t)) if isinstance(t, torch.Tensor) else None
        if entry is None or entry[0]() is not t:
            return None
        return entry[1]

    def check_alive(self, step: int) -> None:
        """How many losses of steps before `step - 2` still hold their graph."""
        alive = {k: v for k, v in self.tags.items() if v[0]() is not None}
        self.tags = alive  # freed losses are dropped, so the next walk is short
        old = sum(
            1
            for ref, tagged in alive.values()
            if tagged <= step - 3 and (t := ref()) is not None and t.grad_fn is not None
        )
        self.max_alive_old = max(self.max_alive_old, old)

    def backward_record(self) -> BackwardLosses:
        n = self._train_n
        return {
            "n": n,
            "min": self.root_min if n else None,
            "max": self.root_max if n else None,
        }

    def site_records(self) -> list[LossSite]:
        return [s.as_record() for s in self.sites.values()]  # type: ignore[misc]

    def phase_records(self) -> list[Phase]:
        return [
            {
                "kind": p.judged_kind(),
                "mean": sum(p.values) / len(p.values),
                "n": len(p.values),
                "first_step": p.first_step,
                "min": min(p.values),
                "max": max(p.values),
            }
            for p in self.phases
            if p.values
        ]
