"""Steps and gradients: what each optimizer step saw and did (child only).

Before a step: were the gradients cleared since the last one, and (on the dense
schedule) their norms per layer; after it: how far the weights moved.
"""

from __future__ import annotations

import math
import weakref

import torch
from torch import nn

from dllab.diagnose._models import RootModel
from dllab.diagnose.observations import (
    NonFiniteLayers,
    NonFiniteValue,
    UntrainedParams,
    ZeroGradStats,
)
from dllab.probes import layer_grad_norms, snapshot, total_grad_norm, update_ratios


def dense_schedule(step: int) -> bool:
    """Steps that get the costly measurements: the first 20, every 10th to 2,000, then every 100th.

    Thinner late in a long run, so that a whole run's record (rewritten every
    second) stays small.
    """
    return step <= 20 or step % 100 == 0 or (step <= 2000 and step % 10 == 0)


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
        self.updates: dict[str, list[float]] = {}
        self._snapshots: dict[int, tuple[RootModel, dict[str, torch.Tensor]]] = {}
        self.nonfinite: NonFiniteValue | None = None
        self.nonfinite_layers: NonFiniteLayers | None = None

    def before_step(
        self, optimizer: torch.optim.Optimizer, step: int, models: list[RootModel]
    ) -> list[nn.Parameter]:
        """Check and measure the gradients `optimizer` is about to apply at `step`."""
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.optimizers[id(optimizer)] = params
        self.optim_params.update(id(p) for p in params)
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
        for p in params:
            if p.grad is None:
                continue
            ref = self.grad_refs.get(id(p))
            if ref is not None and ref() is p.grad and id(p) not in self.cleared:
                stale = True
            self.cleared.discard(id(p))
        self.zero_grad["checked"] += 1
        if stale:
            self.zero_grad["stale"] += 1
            if self.zero_grad["first_stale_step"] is None:
                self.zero_grad["first_stale_step"] = step

    def _grad_stats(self, step: int, params: list[nn.Parameter], models: list[RootModel]) -> None:
        total = total_grad_norm(params)
        self.total_norms.append((step, total))
        if not math.isfinite(total) and self.nonfinite is None:
            self.nonfinite = {"step": step, "value": str(total)}
        for info in models:
            norms = layer_grad_norms(info.module)
            history = self.history.setdefault(info.name, {})
            for layer, value in norms.items():
                history.setdefault(layer, []).append(value)
            if not math.isfinite(total) and self.nonfinite_layers is None:
                bad = [n for n, v in norms.items() if not math.isfinite(v)]
                if bad:
                    self.nonfinite_layers = {"model": info.name, "layers": bad[:5]}

    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Remember the gradient tensors just used, and how far the measured models moved."""
        for p in self.optimizers.get(id(optimizer), []):
            if p.grad is not None:
                self.grad_refs[id(p)] = weakref.ref(p.grad)
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
        found: list[UntrainedParams] = []
        for info in models:
            if info.param_ids.isdisjoint(self.optim_params):
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
