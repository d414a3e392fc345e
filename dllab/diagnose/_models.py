"""Models and modes: the user's top-level modules, their train/eval mode, their dead units (child only)."""

from __future__ import annotations

import inspect
import math
import statistics
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from dllab.diagnose.observations import (
    GATED_INIT_SCALE,
    DeadLayer,
    GatedCell,
    ModelInfo,
    RecurrentWeight,
)
from dllab.probes import DeadUnitProbe

MODE_TYPES = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.modules.batchnorm._BatchNorm,
)
"""Modules whose train/eval mode changes results."""
MAX_EIG_SIZE = 512
"""Recurrent weights up to this size get their eigenvalues computed (once, at the first forward)."""
DEAD_WINDOW = 512
"""Samples per dead-unit window: units are judged dead over recent inputs, not since step 0."""


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
    recurrent: dict[int, RecurrentWeight] = field(default_factory=dict)
    """id(nn.RNN submodule) -> its recurrent weights' spectral radius (one entry per layer: the largest)."""
    init_gain: float | None = None
    """Median over its weight matrices of std * sqrt(fan_in) at its first call (He init: ~1.41)."""
    gated: dict[int, GatedCell] = field(default_factory=dict)
    """id(LSTM/GRU submodule or cell) -> its weights' init scale."""

    def info(self) -> ModelInfo:
        return {
            "name": self.name,
            "class": type(self.module).__name__,
            "file": self.location[0] if self.location else None,
            "line": self.location[1] if self.location else None,
            "calls": self.calls,
            "layers": self.exec_order,
            "mode_modules": [n for n, _ in self.mode_modules],
            "children": [n for n, _ in self.module.named_children()],
            "params": sum(p.numel() for p in self.module.parameters()),
            "recurrent": list(self.recurrent.values()),
            "init_gain": self.init_gain,
            "gated": list(self.gated.values()),
            "module_types": sorted({type(m).__name__ for m in self.module.modules()}),
        }


class Models:
    """The models the script called, where the forward is now, and the dead-unit probes."""

    def __init__(
        self,
        is_user_file: Callable[[str], bool],
        user_site: Callable[[], tuple[str, int] | None],
    ) -> None:
        self._is_user_file = is_user_file
        self._user_site = user_site
        self.roots: dict[int, RootModel] = {}
        self.open_stacks = threading.local()
        """Per thread, `stack`: id(module) of each forward now running, outermost first
        (what `open_forwards` returns; the module-call wrapper reads it directly)."""
        self.current_root: RootModel | None = None
        self.eval_forward_pending = False
        """The last top-level forward ran in eval mode with gradients enabled."""
        self.functional_dead = DeadUnitProbe()
        """Dead units of ReLUs the user's code calls as functions (named `relu at line N`)."""
        self._dead_windows: dict[str, dict[str, DeadLayer]] = {}
        self.eval_calls: dict[int, tuple[int, tuple[str, int]]] = {}
        """id(module) -> (order, user line) of its latest `eval()` / `train(False)` call."""
        self._eval_order = 0
        self._dead_at_start: dict[str, dict[str, DeadLayer]] = {}
        """The forwards before the first optimizer step: units dead there died of the init."""
        self.rnn_outputs: dict[int, tuple[weakref.ref[torch.Tensor], int]] = {}
        """id(hidden state an RNN returned) -> (the tensor, backward() calls before it)."""

    # -- nesting of module forwards ---------------------------------------------------
    # Each thread has its own stack of the forwards now running (DataParallel runs its
    # replicas in threads). The `nn.Module.__call__` wrapper closes every forward it opens.

    def open_forwards(self) -> list[int]:
        """This thread's stack: id(module) of each forward now running, outermost first."""
        stack: list[int] | None = getattr(self.open_stacks, "stack", None)
        if stack is None:
            stack = self.open_stacks.stack = []
        return stack

    @property
    def depth(self) -> int:
        """Nesting of module forwards now running in this thread (0: outside any model)."""
        return len(self.open_forwards())

    def enter(self, module: nn.Module) -> int:
        """A forward starts: how many forwards enclose it."""
        stack = self.open_forwards()
        stack.append(id(module))
        return len(stack) - 1

    def leave(self, module: nn.Module) -> None:
        """A forward ends: close it (and any opened inside it that did not close)."""
        stack = self.open_forwards()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] == id(module):
                del stack[i:]
                return

    def root_for(self, module: nn.Module) -> RootModel | None:
        info = self.roots.get(id(module))
        if info is not None or next(module.parameters(), None) is None:
            return info
        location: tuple[str, int] | None = None
        try:
            src = inspect.getsourcefile(type(module))
            if src and self._is_user_file(src):
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
            mode_modules=[(n, m) for n, m in module.named_modules() if isinstance(m, MODE_TYPES)],
            dead=DeadUnitProbe(module, attach=False),
            location=location or self._user_site(),
        )
        info.recurrent = recurrent_radii(module)
        info.init_gain = init_gain(module)
        info.gated = gated_cells(module)
        self.roots[id(module)] = info
        return info

    def stepping(self, param_ids: set[int]) -> list[RootModel]:
        """The models owning any of the parameters an optimizer is about to step."""
        return [info for info in self.roots.values() if not param_ids.isdisjoint(info.param_ids)]

    def note_eval_call(self, module: nn.Module, where: tuple[str, int]) -> None:
        self._eval_order += 1
        self.eval_calls[id(module)] = (self._eval_order, where)

    def eval_site(self, info: RootModel) -> tuple[str, int] | None:
        """The user line of the latest `eval()` call on the model or one of its submodules."""
        calls = [self.eval_calls[i] for i in info.names if i in self.eval_calls]
        return max(calls)[1] if calls else None

    def modes_at_step(self, stepping: list[RootModel]) -> tuple[list[RootModel], int]:
        """Of the models a step changes (`stepping`): (stepped in eval after a step in train
        mode, how many stepped with the top in eval)."""
        after_eval: list[RootModel] = []
        in_eval = 0
        for info in stepping:
            if not info.mode_modules:
                continue
            if any(m.training for _, m in info.mode_modules):
                info.was_training_at_step = True
            elif info.was_training_at_step:
                after_eval.append(info)
            if not info.module.training:
                in_eval += 1
        return after_eval, in_eval

    # -- dead units -------------------------------------------------------------------

    def _probes(self) -> list[tuple[str, DeadUnitProbe]]:
        return [(info.name, info.dead) for info in self.roots.values()] + [
            ("functional", self.functional_dead)
        ]

    def roll_dead_windows(self) -> None:
        """Close each probe's window once it has seen enough samples, and start a new one."""
        for name, probe in self._probes():
            if probe.samples_seen >= DEAD_WINDOW:
                self._dead_windows[name] = _dead_summary(probe)
                probe.reset()

    def note_dead_at_start(self) -> None:
        """After the first optimizer step: what the forwards before it saw (no update yet)."""
        if self._dead_at_start:
            return
        for name, probe in self._probes():
            if probe.samples_seen:
                self._dead_at_start[name] = _dead_summary(probe)
        self._dead_at_start.setdefault("", {})  # taken, even when nothing was seen

    def dead_units(self) -> dict[str, dict[str, DeadLayer]]:
        result: dict[str, dict[str, DeadLayer]] = {}
        for name, probe in self._probes():
            current = _dead_summary(probe) if probe.samples_seen else {}
            window = self._dead_windows.get(name, {})
            # The open window when it has enough samples, else the last complete one.
            result[name] = dict(current if probe.samples_seen >= 256 or not window else window)
            for layer, start in self._dead_at_start.get(name, {}).items():
                if layer in result[name]:
                    result[name][layer] = {
                        **result[name][layer],
                        "start_fraction": start["fraction"],
                        "start_samples": start["samples"],
                    }
        for info in self.roots.values():
            for layer, data in result.get(info.name, {}).items():
                try:
                    data["type"] = type(info.module.get_submodule(layer)).__name__
                except AttributeError:
                    data["type"] = "?"
        return {k: v for k, v in result.items() if v}


def _dead_summary(probe: DeadUnitProbe) -> dict[str, DeadLayer]:
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


def init_gain(model: nn.Module) -> float | None:
    """Median std * sqrt(fan_in) of the model's weight matrices and kernels, as they are now.

    At a model's first call that is its initialization: ~1.41 for He (Kaiming) init,
    ~0.58 for PyTorch's default Linear/Conv init, 1.0 for "std = 1/sqrt(fan_in)".
    """
    gains = []
    with torch.no_grad(), torch._C.DisableTorchFunction():
        for sub in model.modules():
            weight = getattr(sub, "weight", None)
            if not isinstance(sub, (nn.Linear, nn.modules.conv._ConvNd)):
                continue
            if not isinstance(weight, torch.Tensor) or weight.dim() < 2 or weight.numel() < 4:
                continue
            if weight.is_meta or not weight.dtype.is_floating_point:
                continue
            try:
                fan_in = weight[0].numel()
                gains.append(float(weight.detach().float().std()) * fan_in**0.5)
            except (RuntimeError, TypeError, ValueError):  # a sharded or exotic tensor: no gain
                continue
    gains = [g for g in gains if g == g]  # NaN weights say nothing
    return statistics.median(gains) if gains else None


def recurrent_radii(model: nn.Module) -> dict[int, RecurrentWeight]:
    """The largest spectral radius of each `nn.RNN`'s square recurrent weights (`weight_hh_l*`).

    LSTM/GRU stack their gates' weights (4H x H, 3H x H): no single matrix, so not measured.
    """
    found: dict[int, RecurrentWeight] = {}
    with torch.no_grad(), torch._C.DisableTorchFunction():
        for name, sub in model.named_modules():
            if type(sub) is not nn.RNN and not isinstance(sub, nn.RNNCell):
                continue
            best: RecurrentWeight | None = None
            for pname, weight in sub.named_parameters(recurse=False):
                if not pname.startswith("weight_hh") or weight.dim() != 2:
                    continue
                rows, cols = weight.shape
                if rows != cols or rows > MAX_EIG_SIZE:
                    continue
                try:
                    radius = float(torch.linalg.eigvals(weight.detach().double().cpu()).abs().max())
                except RuntimeError:  # NaN weights, an unsupported dtype
                    continue
                if best is None or radius > best["radius"]:
                    layer = f"{name}.{pname}" if name else pname
                    best = {"layer": layer, "radius": radius, "time_steps": None}
            if best is not None:
                found[id(sub)] = best
    return found


GATED = (nn.LSTM, nn.GRU, nn.LSTMCell, nn.GRUCell)


def gated_cells(model: nn.Module) -> dict[int, GatedCell]:
    """Each LSTM/GRU (module or cell): its largest weight std against the default's.

    The recurrent weights (`weight_hh*`) are named when they are out of scale too: they
    are the ones a gradient passes at every time step.
    """
    found: dict[int, GatedCell] = {}
    with torch.no_grad(), torch._C.DisableTorchFunction():
        for name, sub in model.named_modules():
            if not isinstance(sub, GATED) or int(sub.hidden_size) < 1:
                continue
            hidden = int(sub.hidden_size)
            default = 1.0 / (3.0 * hidden) ** 0.5
            stds: list[tuple[float, str]] = []
            for pname, weight in sub.named_parameters(recurse=False):
                if pname.startswith("weight") and weight.numel() > 1:
                    std = float(weight.detach().float().std())
                    if math.isfinite(std):
                        stds.append((std, pname))
            if not stds:
                continue
            recurrent = [sp for sp in stds if sp[1].startswith("weight_hh")]
            big = [sp for sp in recurrent if sp[0] >= GATED_INIT_SCALE * default]
            std, pname = max(big or stds)
            found[id(sub)] = {
                "layer": name or type(sub).__name__,
                "type": type(sub).__name__,
                "hidden": hidden,
                "param": f"{name}.{pname}" if name else pname,
                "std": std,
                "default_std": default,
                "time_steps": None,
            }
    return found
