"""Steps and gradients: what each optimizer step saw and did (child only).

Before a step: were the gradients cleared since the last one, and (on the dense
schedule) their norms per layer; after it: how far the weights moved.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from dllab.diagnose._models import RootModel
from dllab.diagnose.observations import (
    NonFiniteLayers,
    NonFiniteValue,
    OptimizerInfo,
    SchedulerInfo,
    UntrainedParams,
    ZeroGradStats,
)
from dllab.probes import snapshot, update_ratios
from dllab.probes.grad_norm import grad_and_weight_norms, l2_total, weight_layers


def dense_schedule(step: int) -> bool:
    """Steps that get the costly measurements: the first 20, every 10th to 2,000, then every 100th.

    Thinner late in a long run, so that a whole run's record (rewritten every
    second) stays small.
    """
    return step <= 20 or step % 100 == 0 or (step <= 2000 and step % 10 == 0)


@dataclass
class _Optimizer:
    type: str
    lr: float | None
    where: tuple[str, int] | None
    weight_decay: float | None = None
    momentum: float | None = None
    line_search: str | None = None
    steps: int = 0
    params: int = 0
    frozen: int = 0
    had_grad: set[int] = field(default_factory=set)
    lr_start: float | None = None
    lr_low_step: int | None = None
    lr_last: float | None = None
    schedulers: dict[int, SchedulerInfo] = field(default_factory=dict)

    def info(self, stale: int = 0) -> OptimizerInfo:
        return {
            "type": self.type,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "line_search": self.line_search,
            "file": self.where[0] if self.where else None,
            "line": self.where[1] if self.where else None,
            "steps": self.steps,
            "params": self.params,
            "frozen": self.frozen,
            "with_grad": len(self.had_grad),
            "stale": stale,
            "lr_start": self.lr_start,
            "lr_low_step": self.lr_low_step,
            "lr_last": self.lr_last,
            "schedulers": list(self.schedulers.values()),
        }

    def note_lr(self, lr: float | None) -> None:
        """The learning rate at this step (a dict read and a compare: cheap on every step)."""
        if lr is None:
            return
        if self.lr_start is None:
            self.lr_start = lr
        elif self.lr_low_step is None and lr < 0.01 * self.lr_start:
            self.lr_low_step = self.steps
        self.lr_last = lr


def _lr(optimizer: torch.optim.Optimizer, key: str = "lr") -> float | None:
    value = optimizer.param_groups[0].get(key) if optimizer.param_groups else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):  # a tensor lr on a device, or something exotic
        return None


class Gradients:
    """Optimizers, their parameters' gradients, and the updates they made."""

    def __init__(self) -> None:
        self.optimizers: dict[int, list[nn.Parameter]] = {}
        self.optim_params: set[int] = set()
        self.grad_refs: dict[int, weakref.ref[torch.Tensor]] = {}
        """id(param) -> its .grad tensor right after the last step (to see it reused uncleared)."""
        self.cleared: set[int] = set()
        """Parameters whose gradient was cleared (zero_grad, .zero_()) since the last step."""
        self._opt_steps: dict[int, int] = {}
        self.zero_grad: ZeroGradStats = {"checked": 0, "stale": 0, "first_stale_step": None}
        self.history: dict[str, dict[str, list[float]]] = {}
        """Model name -> layer -> weight-gradient norm at each dense step."""
        self.total_norms: list[tuple[int, float]] = []
        self.weight_norms: list[tuple[int, float]] = []
        self.updates: dict[str, list[float]] = {}
        self._snapshots: dict[int, tuple[RootModel, dict[str, torch.Tensor]]] = {}
        self.nonfinite: NonFiniteValue | None = None
        self.nonfinite_layers: NonFiniteLayers | None = None
        self._scheduler_owner: dict[int, int] = {}
        """id(scheduler) -> id(its optimizer)."""
        self._recipes: dict[int, _Optimizer] = {}
        """id(optimizer) -> what it is and holds, from its construction (or first step) on."""

    def _note_recipe(
        self,
        optimizer: torch.optim.Optimizer,
        params: list[nn.Parameter],
        where: tuple[str, int] | None,
    ) -> None:
        recipe = self.note_built(optimizer, where)
        recipe.steps += 1
        recipe.note_lr(_lr(optimizer))
        recipe.params = len(params)
        # One comprehension, not a generator resumed per parameter: this runs every step.
        recipe.frozen = [p.requires_grad for p in params].count(False)
        if len(recipe.had_grad) < len(params):
            recipe.had_grad.update(id(p) for p in params if p.grad is not None)

    def note_built(
        self, optimizer: torch.optim.Optimizer, where: tuple[str, int] | None
    ) -> _Optimizer:
        """Remember an optimizer and the user's line that built it (kept from the first call)."""
        recipe = self._recipes.get(id(optimizer))
        if recipe is None:
            recipe = self._recipes[id(optimizer)] = _Optimizer(
                type(optimizer).__name__, _lr(optimizer), where, _lr(optimizer, "weight_decay")
            )
            recipe.params = sum(len(g["params"]) for g in optimizer.param_groups)
            # What sizes its steps besides lr: advice on the learning rate depends on them.
            recipe.momentum = _lr(optimizer, "momentum")
            search = (
                optimizer.param_groups[0].get("line_search_fn") if optimizer.param_groups else None
            )
            recipe.line_search = search if isinstance(search, str) else None
        return recipe

    def optimizer_records(self, models: list[RootModel] | None = None) -> list[OptimizerInfo]:
        """Every optimizer's recipe; with `models`, how many of its tensors are stale.

        Stale: requires grad, in none of the models as they are now, and never given a
        gradient, e.g. the old head of a model replaced after the optimizer was built.
        """
        current = {id(p) for info in models for p in info.module.parameters()} if models else None
        records = []
        for key, recipe in self._recipes.items():
            stale = 0
            if current is not None:
                held = self.optimizers.get(key, [])
                stale = sum(
                    1
                    for p in held
                    if p.requires_grad and id(p) not in current and id(p) not in recipe.had_grad
                )
            records.append(recipe.info(stale))
        return records

    def note_scheduler(self, scheduler: Any, where: tuple[str, int] | None) -> None:
        """A scheduler built on one of the optimizers (after its constructor's own step)."""
        optimizer = getattr(scheduler, "optimizer", None)
        if not isinstance(optimizer, torch.optim.Optimizer):
            return
        step_size = getattr(scheduler, "step_size", None)
        gamma = getattr(scheduler, "gamma", None)
        self.note_built(optimizer, None).schedulers[id(scheduler)] = {
            "type": type(scheduler).__name__,
            "steps": 0,
            "file": where[0] if where else None,
            "line": where[1] if where else None,
            "step_file": None,
            "step_line": None,
            "step_size": step_size if isinstance(step_size, int) else None,
            "gamma": float(gamma) if isinstance(gamma, (int, float)) else None,
        }
        self._scheduler_owner[id(scheduler)] = id(optimizer)

    def scheduler_stepped(self, scheduler: Any, site: Callable[[], tuple[str, int] | None]) -> None:
        owner = self._scheduler_owner.get(id(scheduler))
        recipe = self._recipes.get(owner) if owner is not None else None
        if recipe is None:
            return  # still in its constructor (or not one we saw built)
        info = recipe.schedulers[id(scheduler)]
        info["steps"] += 1
        if info["step_line"] is None:
            where = site()
            if where is not None:
                info["step_file"], info["step_line"] = where

    def before_step(
        self,
        optimizer: torch.optim.Optimizer,
        step: int,
        models: list[RootModel],
        where: tuple[str, int] | None = None,
        params: list[nn.Parameter] | None = None,
    ) -> list[nn.Parameter]:
        """Check and measure the gradients `optimizer` is about to apply at `step`.

        `params`: the optimizer's parameters, when the caller has already listed them.
        """
        if params is None:
            params = [p for group in optimizer.param_groups for p in group["params"]]
        self.optimizers[id(optimizer)] = params
        self.optim_params.update(map(id, params))  # every step: no frame per parameter
        self._note_recipe(optimizer, params, where)
        self._check_zero_grad(optimizer, params, step)
        if dense_schedule(step):
            self._grad_stats(step, params, models)
            for info in models:
                self._snapshots[id(info.module)] = (info, snapshot(info.module))
        return params

    def _check_zero_grad(
        self, optimizer: torch.optim.Optimizer, params: list[nn.Parameter], step: int
    ) -> None:
        count = self._opt_steps.get(id(optimizer), 0)
        self._opt_steps[id(optimizer)] = count + 1
        if count == 0:
            return
        stale = False
        refs, cleared = self.grad_refs, self.cleared
        for p in params:  # every step: locals, one `.grad` and one `id()` per parameter
            grad = p.grad
            if grad is None:
                continue
            key = id(p)
            ref = refs.get(key)
            if ref is not None and ref() is grad and key not in cleared:
                stale = True
            cleared.discard(key)
        self.zero_grad["checked"] += 1
        if stale:
            self.zero_grad["stale"] += 1
            if self.zero_grad["first_stale_step"] is None:
                self.zero_grad["first_stale_step"] = step

    def _grad_stats(self, step: int, params: list[nn.Parameter], models: list[RootModel]) -> None:
        # One pass and one device sync for the totals and every model's layers: this runs
        # on every dense step, where separate probes cost ~50 small ops.
        layers = [
            [(name, w) for name, w in weight_layers(info.module) if w.grad is not None]
            for info in models
        ]
        held = {id(p): i for i, p in enumerate(params)}
        outside = [
            g
            for found in layers
            for _, w in found
            if id(w) not in held and (g := w.grad) is not None
        ]
        grad_norms, outside_norms, weight_norms = grad_and_weight_norms(params, outside)
        total = l2_total(grad_norms)
        self.total_norms.append((step, total))
        self.weight_norms.append((step, l2_total(weight_norms)))
        if not math.isfinite(total) and self.nonfinite is None:
            self.nonfinite = {"step": step, "value": str(total)}
        more = iter(outside_norms)
        for info, found in zip(models, layers, strict=True):
            norms: dict[str, float] = {}
            for name, w in found:
                index = held.get(id(w))
                value = grad_norms[index] if index is not None else next(more)
                norms[name] = math.nan if value is None else value  # None: never (w.grad is set)
            history = self.history.setdefault(info.name, {})
            for layer, value in norms.items():
                history.setdefault(layer, []).append(value)
            if not math.isfinite(total) and self.nonfinite_layers is None:
                bad = [n for n, v in norms.items() if not math.isfinite(v)]
                if bad:
                    self.nonfinite_layers = {"model": info.name, "layers": bad[:5]}

    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Remember the gradient tensors just used, and how far the measured models moved."""
        refs = self.grad_refs
        for p in self.optimizers.get(id(optimizer), []):
            grad = p.grad
            if grad is not None:
                refs[id(p)] = weakref.ref(grad)
        for info, before in self._snapshots.values():
            for name, ratio in update_ratios(before, info.module).items():
                self.updates.setdefault(f"{info.name}:{name}", []).append(ratio)
        self._snapshots.clear()

    def update_summary(self) -> dict[str, list[float]]:
        """`model:param` -> [min, median, max] update ratio."""
        return {k: [min(v), sorted(v)[len(v) // 2], max(v)] for k, v in self.updates.items()}

    def untrained_params(self, models: list[RootModel]) -> list[UntrainedParams]:
        """Parameters that received gradients but belong to no optimizer that stepped."""
        if not self.optimizers:
            return []
        current = {id(p) for info in models for p in info.module.parameters()}
        # An optimizer holding only a replaced module's tensors (never a gradient, in no model
        # now): the model it was built for is the one no optimizer holds any more.
        orphaned = any(
            held
            and all(
                p.requires_grad and id(p) not in current and id(p) not in recipe.had_grad
                for p in held
            )
            for key, held in self.optimizers.items()
            if (recipe := self._recipes.get(key)) is not None
        )
        found: list[UntrainedParams] = []
        for info in models:
            # A model no optimizer holds is not meant to train (a teacher, a loss network),
            # unless an optimizer was left holding only what it replaced.
            if info.param_ids.isdisjoint(self.optim_params) and not orphaned:
                continue
            names = [
                n
                for n, p in info.module.named_parameters()
                if p.requires_grad and p.grad is not None and id(p) not in self.optim_params
            ]
            if names:
                count = sum(p.numel() for n, p in info.module.named_parameters() if n in names)
                found.append({"model": info.name, "params": names, "numel": count})
        return found
