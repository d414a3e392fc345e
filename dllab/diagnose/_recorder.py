"""The child's measurements: what the hooks see, kept as plain data (runs in the child only).

`Recorder` is shared by the module hooks, the optimizer hooks and the
`TorchFunctionMode` (`_hooks.py`, `_mode.py`). Everything it reports is
converted to plain Python values in `summary()`, which `child.py` writes as
JSON for the parent. Device syncs are batched: loss values are kept as
detached tensors and converted at each flush.
"""

from __future__ import annotations

import math
import os
import sys
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from dllab.probes import DeadUnitProbe, layer_grad_norms, snapshot, total_grad_norm, update_ratios

_TORCH_DIR = os.path.dirname(torch.__file__)
_DLLAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MODE_TYPES = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.modules.batchnorm._BatchNorm,
)
_DEAD_WINDOW = 512
"""Samples per dead-unit window: units are judged dead over recent inputs, not since step 0."""


class StopDiagnose(BaseException):
    """Raised from a hook to end the user's script at the step or time budget.

    A BaseException, so that a user's `except Exception` does not swallow it.
    """

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def dense_schedule(step: int) -> bool:
    """Steps that get the costly measurements: the first 20, then every 10th."""
    return step <= 20 or step % 10 == 0


@dataclass
class RootModel:
    """A model: a module with parameters called at the top level (not inside another module)."""

    module: nn.Module
    name: str
    names: dict[int, str]
    """id(submodule) -> qualified name."""
    param_ids: set[int]
    mode_modules: list[tuple[str, nn.Module]]
    """Dropout and BatchNorm submodules: the ones whose train/eval mode changes results."""
    dead: DeadUnitProbe
    location: tuple[str, int] | None
    calls: int = 0
    exec_order: list[str] = field(default_factory=list)
    """Leaf modules with a weight, in the order the first forward ran them."""
    was_training_at_step: bool = False


@dataclass
class Site:
    """Counters for one source line of the user's code."""

    file: str
    line: int
    count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "count": self.count, **self.extra}


class Recorder:
    """Everything the child measures about one run of the user's script."""

    def __init__(self, script: str, max_steps: int, out_path: str) -> None:
        self.script = os.path.abspath(script)
        self.script_dir = os.path.dirname(self.script)
        self.max_steps = max_steps
        self.out_path = out_path
        self.started = time.monotonic()
        self.last_flush = self.started
        self._user_cache: dict[str, bool] = {}
        self.roots: dict[int, RootModel] = {}
        self.depth = 0
        self.current_root: RootModel | None = None
        self.steps = 0
        self.backwards = 0
        self.last_event = ""
        self.optimizers: dict[int, list[nn.Parameter]] = {}
        self.optim_params: set[int] = set()
        self.grad_refs: dict[int, weakref.ref[torch.Tensor]] = {}
        self.cleared: set[int] = set()
        self.opt_steps: dict[int, int] = {}
        self.zero_grad: dict[str, Any] = {"checked": 0, "stale": 0, "first_stale_step": None}
        self.grad_history: dict[str, dict[str, list[float]]] = {}
        self.grad_steps: list[int] = []
        self.total_norms: list[tuple[int, float]] = []
        self.update_history: dict[str, list[float]] = {}
        self._snapshots: dict[int, dict[str, torch.Tensor]] = {}
        self.nonfinite: dict[str, Any] = {}
        self.sites: dict[str, dict[tuple[str, int], Site]] = {}
        self.loss_sites: dict[tuple[str, str, int], Site] = {}
        self._pending_losses: list[tuple[int, int, torch.Tensor]] = []
        """(phase index, step, detached loss) awaiting one batched device sync; phase -1: a backward() root."""
        self.phases: list[dict[str, Any]] = []
        self.loss_tags: dict[int, tuple[weakref.ref[torch.Tensor], int]] = {}
        self.max_alive_old_losses = 0
        self.functional_dead = DeadUnitProbe()
        self.dead_windows: dict[str, dict[str, Any]] = {}
        self.rnn_outputs: dict[int, tuple[weakref.ref[torch.Tensor], int]] = {}
        self.counters: dict[str, int] = {
            "eval_forwards": 0,
            "eval_forwards_train_mode": 0,
            "steps_in_eval": 0,
            "steps_after_eval_mode": 0,
            "backward_after_eval_forward": 0,
        }
        self.eval_forward_pending = False
        """The last top-level forward ran in eval mode with gradients enabled."""
        self.notes: list[str] = []

    # -- where in the user's code -------------------------------------------------

    def is_user_file(self, filename: str) -> bool:
        known = self._user_cache.get(filename)
        if known is None:
            path = os.path.abspath(filename)
            known = (
                path.startswith(self.script_dir + os.sep)
                and not path.startswith(_DLLAB_DIR + os.sep)
                and "site-packages" not in path
                and os.sep + ".venv" + os.sep not in path
            )
            self._user_cache[filename] = known
        return known

    def user_site(self) -> tuple[str, int] | None:
        """The innermost frame of the user's own files on the current stack."""
        frame = sys._getframe(1)
        while frame is not None:
            if self.is_user_file(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def direct_user_caller(self) -> tuple[str, int] | None:
        """The user's frame when a torch function was called from user code directly.

        Frames of torch's dispatch (`overrides.py`, `functional.py`, `_tensor.py`) and
        of dllab are skipped; a torch module's `forward` in between means the call came
        from a module (e.g. `nn.ReLU`), which the module hooks already see.
        """
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(_DLLAB_DIR) or name.endswith(
                ("overrides.py", os.sep + "functional.py", "_tensor.py")
            ):
                frame = frame.f_back  # type: ignore[assignment]
                continue
            return (name, frame.f_lineno) if self.is_user_file(name) else None
        return None

    def hit(self, kind: str, where: tuple[str, int] | None, **extra: Any) -> Site | None:
        """Count one event of `kind` at a user source line."""
        if where is None:
            return None
        bucket = self.sites.setdefault(kind, {})
        site = bucket.get(where)
        if site is None:
            site = bucket[where] = Site(where[0], where[1])
        site.count += 1
        site.extra.update(extra)
        return site

    # -- models -------------------------------------------------------------------

    def root_for(self, module: nn.Module) -> RootModel | None:
        info = self.roots.get(id(module))
        if info is not None or next(module.parameters(), None) is None:
            return info
        import inspect

        location: tuple[str, int] | None = None
        try:
            src = inspect.getsourcefile(type(module))
            if src and self.is_user_file(src):
                location = (src, inspect.getsourcelines(type(module))[1])
        except (OSError, TypeError):
            location = None
        name = type(module).__name__
        if any(r.name == name for r in self.roots.values()):
            name = f"{name}#{len(self.roots) + 1}"
        info = RootModel(
            module=module,
            name=name,
            names={id(m): n for n, m in module.named_modules()},
            param_ids={id(p) for p in module.parameters()},
            mode_modules=[(n, m) for n, m in module.named_modules() if isinstance(m, _MODE_TYPES)],
            dead=DeadUnitProbe(module),
            location=location or self.user_site(),
        )
        self.roots[id(module)] = info
        return info

    # -- losses -------------------------------------------------------------------

    def loss_site(self, fn: str, where: tuple[str, int] | None) -> Site:
        file, line = where if where is not None else ("", 0)
        key = (fn, file, line)
        site = self.loss_sites.get(key)
        if site is None:
            site = self.loss_sites[key] = Site(
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

    def record_loss_value(self, value: torch.Tensor, evaluating: bool) -> None:
        kind = "eval" if evaluating else "train"
        if not self.phases or self.phases[-1]["kind"] != kind:
            self.phases.append({"kind": kind, "values": [], "first_step": self.steps})
        self._pending_losses.append(
            (len(self.phases) - 1, self.steps, value.detach().float().reshape(-1)[:1])
        )
        if len(self._pending_losses) >= 64:
            self.convert_losses()

    def record_backward_root(self, value: torch.Tensor) -> None:
        """The tensor `backward()` was called on (checked for NaN/Inf at the next flush)."""
        if value.numel() == 1 and value.is_floating_point():
            self._pending_losses.append((-1, self.steps, value.detach().float().reshape(-1)))
            if len(self._pending_losses) >= 64:
                self.convert_losses()

    def convert_losses(self) -> None:
        pending, self._pending_losses = self._pending_losses, []
        if not pending:
            return
        values = torch.cat([v.cpu() for _, _, v in pending]).tolist()
        for (phase, step, _), value in zip(pending, values, strict=True):
            if phase >= 0:
                self.phases[phase]["values"].append(value)
            if not math.isfinite(value) and "loss" not in self.nonfinite:
                self.nonfinite["loss"] = {"step": step, "value": str(value)}

    def tag_loss(self, t: torch.Tensor, step: int) -> None:
        self.loss_tags[id(t)] = (weakref.ref(t), step)
        if len(self.loss_tags) > 4096:
            self.loss_tags = {k: v for k, v in self.loss_tags.items() if v[0]() is not None}

    def loss_tag(self, t: Any) -> int | None:
        entry = self.loss_tags.get(id(t)) if isinstance(t, torch.Tensor) else None
        if entry is None or entry[0]() is not t:
            return None
        return entry[1]

    # -- optimizer steps ------------------------------------------------------------

    def before_step(self, optimizer: torch.optim.Optimizer) -> None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.optimizers[id(optimizer)] = params
        self.optim_params.update(id(p) for p in params)
        step = self.steps + 1
        if step <= 3:
            self.hit("step", self.user_site())
        self._check_zero_grad(optimizer, params)
        if dense_schedule(step):
            self._grad_stats(step, params)
            for info in self.roots.values():
                if any(id(p) in info.param_ids for p in params):
                    self._snapshots[id(info.module)] = snapshot(info.module)
        for info in self.roots.values():
            if info.mode_modules and any(id(p) in info.param_ids for p in params):
                training = any(m.training for _, m in info.mode_modules)
                if training:
                    info.was_training_at_step = True
                elif info.was_training_at_step:
                    self.counters["steps_after_eval_mode"] += 1
                if not info.module.training:
                    self.counters["steps_in_eval"] += 1

    def _check_zero_grad(
        self, optimizer: torch.optim.Optimizer, params: list[nn.Parameter]
    ) -> None:
        count = self.opt_steps.get(id(optimizer), 0)
        self.opt_steps[id(optimizer)] = count + 1
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
                self.zero_grad["first_stale_step"] = self.steps + 1

    def _grad_stats(self, step: int, params: list[nn.Parameter]) -> None:
        total = total_grad_norm(params)
        self.total_norms.append((step, total))
        if not math.isfinite(total) and "grad" not in self.nonfinite:
            self.nonfinite["grad"] = {"step": step, "value": str(total)}
        for info in self.roots.values():
            if not any(id(p) in info.param_ids for p in params):
                continue
            norms = layer_grad_norms(info.module)
            history = self.grad_history.setdefault(info.name, {})
            for layer, value in norms.items():
                history.setdefault(layer, []).append(value)
            if not math.isfinite(total) and "grad_layer" not in self.nonfinite:
                bad = [n for n, v in norms.items() if not math.isfinite(v)]
                if bad:
                    self.nonfinite["grad_layer"] = {"model": info.name, "layers": bad[:5]}
        self.grad_steps.append(step)

    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        self.steps += 1
        self.last_event = "step"
        for p in self.optimizers.get(id(optimizer), []):
            if p.grad is not None:
                self.grad_refs[id(p)] = weakref.ref(p.grad)
        for key, before in list(self._snapshots.items()):
            info = self.roots.get(key)
            if info is not None:
                for name, ratio in update_ratios(before, info.module).items():
                    self.update_history.setdefault(f"{info.name}:{name}", []).append(ratio)
        self._snapshots.clear()
        if self.steps % 10 == 0:
            self._check_alive_losses()
            self._roll_dead_windows()
        now = time.monotonic()
        if now - self.last_flush > 1.0 or self.steps <= 3:
            self.last_flush = now
            self.flush(partial=True)
        if self.steps >= self.max_steps:
            raise StopDiagnose("max-steps")

    def _check_alive_losses(self) -> None:
        old = sum(
            1
            for ref, step in self.loss_tags.values()
            if step <= self.steps - 3 and (t := ref()) is not None and t.grad_fn is not None
        )
        self.max_alive_old_losses = max(self.max_alive_old_losses, old)

    def _roll_dead_windows(self) -> None:
        probes = [(info.name, info.dead) for info in self.roots.values()]
        probes.append(("functional", self.functional_dead))
        for name, probe in probes:
            if probe.samples_seen >= _DEAD_WINDOW:
                self.dead_windows[name] = self._dead_summary(probe)
                probe.reset()

    @staticmethod
    def _dead_summary(probe: DeadUnitProbe) -> dict[str, Any]:
        fractions = probe.fractions()
        units = probe.units()
        samples = probe.samples()
        return {
            layer: {
                "fraction": fractions[layer],
                "units": units[layer],
                "samples": samples.get(layer, 0),
            }
            for layer in fractions
        }

    # -- output ---------------------------------------------------------------------

    def dead_units(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        probes = [(info.name, info.dead) for info in self.roots.values()]
        probes.append(("functional", self.functional_dead))
        for name, probe in probes:
            current = self._dead_summary(probe) if probe.samples_seen else {}
            window = self.dead_windows.get(name, {})
            # The open window when it has enough samples, else the last complete one.
            result[name] = current if probe.samples_seen >= 256 or not window else window
        for info in self.roots.values():
            for layer, data in result.get(info.name, {}).items():
                try:
                    data["type"] = type(info.module.get_submodule(layer)).__name__
                except AttributeError:
                    data["type"] = "?"
        return {k: v for k, v in result.items() if v}

    def untrained_params(self) -> list[dict[str, Any]]:
        """Parameters that received gradients but belong to no optimizer that stepped."""
        if not self.optimizers:
            return []
        found = []
        for info in self.roots.values():
            if not any(pid in self.optim_params for pid in info.param_ids):
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

    def summary(self) -> dict[str, Any]:
        self.convert_losses()
        models = []
        for info in self.roots.values():
            models.append(
                {
                    "name": info.name,
                    "class": type(info.module).__name__,
                    "file": info.location[0] if info.location else None,
                    "line": info.location[1] if info.location else None,
                    "calls": info.calls,
                    "layers": info.exec_order,
                    "mode_modules": [n for n, _ in info.mode_modules],
                    "children": [n for n, _ in info.module.named_children()],
                    "params": sum(p.numel() for p in info.module.parameters()),
                }
            )
        return {
            "steps": self.steps,
            "backwards": self.backwards,
            "elapsed": time.monotonic() - self.started,
            "models": models,
            "optimizers": len(self.optimizers),
            "grad_norms": self.grad_history,
            "grad_steps": self.grad_steps,
            "total_norms": self.total_norms,
            "update_ratios": {
                k: [min(v), sorted(v)[len(v) // 2], max(v)] for k, v in self.update_history.items()
            },
            "zero_grad": dict(self.zero_grad),
            "nonfinite": self.nonfinite,
            "sites": {
                kind: [s.as_dict() for s in bucket.values()] for kind, bucket in self.sites.items()
            },
            "losses": [s.as_dict() for s in self.loss_sites.values()],
            "phases": [
                {
                    "kind": p["kind"],
                    "mean": sum(p["values"]) / len(p["values"]),
                    "n": len(p["values"]),
                    "first_step": p["first_step"],
                }
                for p in self.phases
                if p["values"]
            ],
            "alive_old_losses": self.max_alive_old_losses,
            "dead_units": self.dead_units(),
            "untrained_params": self.untrained_params(),
            "counters": dict(self.counters),
            "notes": self.notes,
        }

    def flush(self, partial: bool, outcome: dict[str, Any] | None = None) -> None:
        """Write the summary for the parent (atomically: a crash never leaves half a file)."""
        import json

        try:
            data = self.summary()
        except Exception as exc:  # a broken measurement must not hide the others
            data = {"steps": self.steps, "notes": [*self.notes, f"summary failed: {exc!r}"]}
        data["partial"] = partial
        if outcome is not None:
            data["outcome"] = outcome
        tmp = self.out_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, default=str)
        os.replace(tmp, self.out_path)
