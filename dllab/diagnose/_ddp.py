"""What one rank of a `torch.distributed` run saw (child only).

Nothing is recorded until the script has initialized `torch.distributed`; a
single-process run pays one `is_initialized()` call per top-level forward. Then,
per rank: fingerprints of the training inputs (do the ranks see different
batches?), checksums of the stepped parameters at a few steps (do they stay
equal?), each DataLoader pass with its `DistributedSampler`'s epoch (was
`set_epoch` called?), the `torch.save` calls (did the ranks decide alike?), and
which models run through `DistributedDataParallel` with what BatchNorm. The
parent compares the ranks (`rules/ddp.py`).
"""

from __future__ import annotations

import functools
import sys
import weakref
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

from dllab.diagnose._models import RootModel
from dllab.diagnose._sites import UserCode
from dllab.diagnose.observations import (
    BypassedModel,
    DistributedInfo,
    LoaderEpoch,
    LoaderInfo,
    SaveSite,
)
from dllab.probes.fingerprint import param_checksums, tensor_fingerprint

FINGERPRINT_STEPS = 2000
"""Training inputs are fingerprinted on the dense schedule up to this step (and at each epoch start)."""
MAX_EPOCHS = 200
"""Passes kept per DataLoader."""
MAX_SAVES = 200
"""`torch.save` steps kept per call site."""


def checksum_step(step: int) -> bool:
    """Steps after which the parameters are checksummed: 1, 2, 3, 5, then 1-2-5 × 10^k."""
    if step in (1, 2, 3, 5):
        return True
    while step >= 10 and step % 10 == 0:
        step //= 10
    return step in (1, 2, 5)


class _Loader:
    def __init__(self, loader: DataLoader[Any], where: tuple[str, int] | None) -> None:
        sampler = _distributed_sampler(loader)
        shown = sampler if sampler is not None else loader.sampler
        try:
            length: int | None = len(loader)
        except TypeError:
            length = None
        self.ref = weakref.ref(loader)
        self.info: LoaderInfo = {
            "file": where[0] if where else None,
            "line": where[1] if where else None,
            "sampler": type(shown).__name__,
            "shuffle": bool(sampler.shuffle) if sampler is not None else None,
            "length": length,
            "epochs": [],
        }


def _distributed_sampler(loader: DataLoader[Any]) -> DistributedSampler[Any] | None:
    for sampler in (loader.sampler, getattr(loader.batch_sampler, "sampler", None)):
        if isinstance(sampler, DistributedSampler):
            return sampler
    return None


class Distributed:
    """One rank's distributed-training observations."""

    def __init__(self, code: UserCode, steps: Callable[[], int]) -> None:
        self.code = code
        self.steps = steps
        """Optimizer steps taken so far (the recorder's count)."""
        self.on = False
        """`torch.distributed` is initialized (checked until it is)."""
        self.rank = 0
        self.world_size = 1
        self.backend = ""
        self.batch_size: int | None = None
        self.fingerprints: list[tuple[int, str]] = []
        self._dist_available = dist.is_available()
        """Fixed for the process (a build option); `active` runs on every step."""
        self._fingerprinted = -1
        """The step count whose first training input was fingerprinted last."""
        self.checksums: list[tuple[int, int, list[float]]] = []
        self._optimizers: dict[int, int] = {}
        """id(optimizer) -> its index, in the order of first steps."""
        self._loaders: dict[int, _Loader] = {}
        self._pending: LoaderEpoch | None = None
        """The latest pass started, until a training input gives it a fingerprint."""
        self._saves: dict[tuple[str, int], SaveSite] = {}
        self._ddps: weakref.WeakSet[DistributedDataParallel] = weakref.WeakSet()
        self._roots: dict[int, RootModel] = {}
        self._built: list[tuple[str, int]] = []
        self._bypassed: list[BypassedModel] = []
        """Models first called directly although a `DistributedDataParallel` wraps them."""

    def active(self) -> bool:
        if not self.on and self._dist_available and dist.is_initialized():
            self.on = True
            self.rank = dist.get_rank()
            self.world_size = dist.get_world_size()
            try:
                self.backend = str(dist.get_backend())
            except (RuntimeError, ValueError):
                self.backend = "?"
        return self.on

    # -- install ----------------------------------------------------------------------

    def install(self, patch: Callable[[Any, str, Callable[[Any], Any]], None]) -> None:
        """Wrap the few functions it watches, through the instrumentation's `patch` (undone there)."""
        patch(DataLoader, "__iter__", self._wrap_iter)
        patch(torch, "save", self._wrap_save)
        patch(DistributedDataParallel, "__init__", self._wrap_ddp_init)

    def _wrap_iter(self, original: Any) -> Any:
        @functools.wraps(original)
        def __iter__(loader: DataLoader[Any]) -> Any:
            it = original(loader)
            if self.active():
                self._new_epoch(loader)
            return it

        return __iter__

    def _wrap_save(self, original: Any) -> Any:
        @functools.wraps(original)
        def save(*args: Any, **kwargs: Any) -> Any:
            if self.active():
                where = self.code.user_site()
                if where is not None:
                    site = self._saves.setdefault(
                        where, {"file": where[0], "line": where[1], "steps": []}
                    )
                    if len(site["steps"]) < MAX_SAVES:
                        site["steps"].append(self.steps())
            return original(*args, **kwargs)

        return save

    def _wrap_ddp_init(self, original: Any) -> Any:
        @functools.wraps(original)
        def __init__(ddp: DistributedDataParallel, *args: Any, **kwargs: Any) -> None:
            original(ddp, *args, **kwargs)
            self._ddps.add(ddp)
            where = self.code.user_site()
            if where is not None and where not in self._built:
                self._built.append(where)

        return __init__

    # -- events -----------------------------------------------------------------------

    def _new_epoch(self, loader: DataLoader[Any]) -> None:
        entry = self._loaders.get(id(loader))
        if entry is None or entry.ref() is not loader:
            entry = self._loaders[id(loader)] = _Loader(loader, self.code.user_site())
        sampler = _distributed_sampler(loader)
        epoch: LoaderEpoch = {
            "step": self.steps(),
            "sampler_epoch": int(sampler.epoch) if sampler is not None else None,
            "fingerprint": None,
        }
        if len(entry.info["epochs"]) < MAX_EPOCHS:
            entry.info["epochs"].append(epoch)
            self._pending = epoch

    def root_forward(self, info: RootModel, args: tuple[Any, ...]) -> None:
        """A top-level forward: fingerprint the first training input after each step (dense schedule)."""
        if not self.active() or not torch.is_grad_enabled() or not info.module.training:
            return
        if id(info.module) not in self._roots:
            self._roots[id(info.module)] = info
            if any(d.module is info.module for d in self._ddps):
                where = self._caller_outside(info.module)
                self._bypassed.append(
                    {
                        "model": info.name,
                        "file": where[0] if where else None,
                        "line": where[1] if where else None,
                    }
                )
        steps = self.steps()
        if steps == self._fingerprinted:
            return
        pending = self._pending
        wanted = steps < 20 or (steps <= FINGERPRINT_STEPS and steps % 10 == 0)
        if not wanted and pending is None:
            return
        first = _first_tensor(args)
        if first is None:
            return
        self._fingerprinted = steps
        if self.batch_size is None and first.dim() > 0:
            self.batch_size = int(first.shape[0])
        with torch._C.DisableTorchFunction():  # our own ops: past the diagnose mode
            fingerprint = tensor_fingerprint(first)
        if wanted:
            self.fingerprints.append((steps, fingerprint))
        if pending is not None:
            pending["fingerprint"] = fingerprint
            self._pending = None

    def _caller_outside(self, module: nn.Module) -> tuple[str, int] | None:
        """The innermost line of the user's code that is not one of `module`'s own methods.

        `ddp.module.training_step(batch)` calls `self(x)` inside the model: the line
        that went around the wrapper is the caller's.
        """
        frame = sys._getframe(1)
        while frame is not None:
            if self.code.is_user_file(frame.f_code.co_filename) and (
                frame.f_locals.get("self") is not module
            ):
                return frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def before_step(self, optimizer: torch.optim.Optimizer) -> None:
        """At an optimizer's first step: checksum what it is about to change (step 0)."""
        if self.active() and id(optimizer) not in self._optimizers:
            self._optimizers[id(optimizer)] = len(self._optimizers)
            self._checksum(0, optimizer)

    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.on and checksum_step(self.steps()):
            self._checksum(self.steps(), optimizer)

    def _checksum(self, step: int, optimizer: torch.optim.Optimizer) -> None:
        index = self._optimizers.get(id(optimizer))
        if index is None:
            return
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.checksums.append((step, index, param_checksums(params)))

    # -- output -----------------------------------------------------------------------

    def summary(self) -> DistributedInfo:
        if not self.on:
            return {}
        wrapped = [i for i in self._roots.values() if isinstance(i.module, DistributedDataParallel)]
        return {
            "rank": self.rank,
            "world_size": self.world_size,
            "backend": self.backend,
            "wrapped": [i.name for i in wrapped],
            "built": self._built,
            "bypassed": self._bypassed,
            "batch_size": self.batch_size,
            "batchnorm": [
                f"{info.name}.{name}"
                for info in wrapped
                for name, m in info.module.named_modules()
                if isinstance(m, nn.modules.batchnorm._BatchNorm)
                and not isinstance(m, nn.SyncBatchNorm)
            ],
            "fingerprints": self.fingerprints,
            "checksums": self.checksums,
            "loaders": [entry.info for entry in self._loaders.values()],
            "saves": list(self._saves.values()),
        }


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            found = _first_tensor(v)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()))
    return None
