"""Probes attached from outside the user's script (runs in the child only).

A wrapper around `nn.Module.__call__` (on the class: nothing is attached to the
user's modules, so they pickle, deep-copy and save exactly as without dllab)
finds the models and watches evaluation mode, dead units and recurrent state;
global optimizer step hooks measure gradients and updates and enforce
`--max-steps`; wrappers around the torch functions the checks read
(`_calls.py`) see every loss call, softmax, functional ReLU, `backward()` and
loss accumulation. A few more are wrapped (`zero_grad`, `clip_grad_*`).
`uninstall()` removes everything.

Why a wrapper and not `register_module_forward_(pre_)hook`: any global module hook
puts every module call of the process on `nn.Module._call_impl`'s slow path, and
torch runs `always_call` post hooks only for an `Exception`, so a caught Ctrl-C
left the nesting to be reconstructed from the Python stack on every call. The
wrapper's `try` closes every forward it opens, whatever ends it.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.utils.clip_grad as clip_grad
import torch.optim.optimizer as optim_hooks
from torch import nn
from torch.utils.hooks import RemovableHandle

from dllab.diagnose._calls import CallProbes
from dllab.diagnose._calls import own_ops as _own_ops
from dllab.diagnose._models import DEAD_WINDOW, RootModel
from dllab.diagnose._printed import PrintedLine, PrintedLosses
from dllab.diagnose._recorder import Recorder
from dllab.diagnose.observations import Counter, Event

CALLER_DEPTH = 3
"""User frames kept outside a no_grad forward in training mode (see `missing-eval`'s sampling)."""
MAX_CHAINS = 4
"""Distinct caller chains kept per line; more are flagged as truncated."""
_QUIET_WEIGHTED = frozenset(
    {
        nn.Linear,
        nn.Conv1d,
        nn.Conv2d,
        nn.Conv3d,
        nn.ConvTranspose1d,
        nn.ConvTranspose2d,
        nn.ConvTranspose3d,
        nn.Embedding,
        nn.LayerNorm,
        nn.GroupNorm,
        nn.BatchNorm1d,
        nn.BatchNorm2d,
        nn.BatchNorm3d,
    }
)
_QUIET_PLAIN = frozenset(
    {
        nn.ReLU,
        nn.ReLU6,
        nn.LeakyReLU,
        nn.GELU,
        nn.SiLU,
        nn.ELU,
        nn.Tanh,
        nn.Sigmoid,
        nn.Dropout,
        nn.Dropout1d,
        nn.Dropout2d,
        nn.Dropout3d,
        nn.MaxPool1d,
        nn.MaxPool2d,
        nn.MaxPool3d,
        nn.AvgPool1d,
        nn.AvgPool2d,
        nn.AvgPool3d,
        nn.AdaptiveAvgPool1d,
        nn.AdaptiveAvgPool2d,
        nn.AdaptiveAvgPool3d,
        nn.Flatten,
        nn.Identity,
    }
)
"""torch's own leaf modules (exact types, not user subclasses) whose forward calls nothing the
call probes read: one torch function (`F.linear`, `F.conv2d`, ...), or a ReLU/dropout that
the probes ignore when a module calls it (the module hooks see those). Their forwards run in
`own_ops()`, which passes those straight through, and skip the nesting bookkeeping. Softmax
(implicit `dim`), losses, containers and recurrent layers are not among them."""
_PLAIN_TENSORS = (torch.Tensor, nn.Parameter, type(None))
_PLAIN_INPUTS = (torch.Tensor, nn.Parameter)


def _quiet_leaf(module: nn.Module, args: tuple[Any, ...]) -> bool:
    """A torch leaf module called on one plain tensor: nothing in its forward needs the call probes.

    Their forwards all take the one input. Tensor subclasses (their own `__torch_function__`),
    an input passed by keyword and anything else unusual
    take the long way, since `own_ops()` would switch their `__torch_function__` off too.
    """
    if len(args) != 1 or type(args[0]) not in _PLAIN_INPUTS:
        return False
    kind = type(module)
    if kind in _QUIET_PLAIN:
        return True
    if kind not in _QUIET_WEIGHTED:
        return False
    # Read from `_parameters` when they are there: `nn.Module.__getattr__` is a Python
    # call, and this runs on every layer's forward.
    params = module._parameters
    weight = params["weight"] if "weight" in params else getattr(module, "weight", None)
    bias = params["bias"] if "bias" in params else getattr(module, "bias", None)  # Embedding: none
    return type(weight) in _PLAIN_TENSORS and type(bias) in _PLAIN_TENSORS


class Instrumentation:
    """Installs every probe on torch globally and removes them again."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.calls = CallProbes(rec)
        self.handles: dict[str, RemovableHandle] = {}
        self._restore: list[tuple[Any, str, Any, bool]] = []
        self._step_guards: list[Any] = []
        self.printed = PrintedLosses(self._printed_loss)

    # -- install / uninstall ------------------------------------------------------

    def install(self) -> None:
        self._patch(nn.Module, "__call__", self._wrap_module_call)
        self.handles["step_pre"] = optim_hooks.register_optimizer_step_pre_hook(self._step_pre)
        self.handles["step_post"] = optim_hooks.register_optimizer_step_post_hook(self._step_post)
        self._patch(torch.optim.Optimizer, "zero_grad", self._wrap_zero_grad_opt)
        self._patch(torch.optim.Optimizer, "__init__", self._wrap_optimizer_init)
        self._patch(torch.optim.lr_scheduler.LRScheduler, "__init__", self._wrap_scheduler_init)
        self._patch(torch.optim.lr_scheduler.LRScheduler, "step", self._wrap_scheduler_step)
        self._patch(nn.Module, "zero_grad", self._wrap_zero_grad_module)
        self._patch(nn.Module, "train", self._wrap_train)
        for module in (clip_grad, torch.nn.utils):
            for name in ("clip_grad_norm_", "clip_grad_value_"):
                self._patch(module, name, self._wrap_clip)
        self.rec.ddp.install(self._patch)
        self.printed.install()
        self.calls.install(self._patch)

    def uninstall(self) -> None:
        self.printed.uninstall()
        while self._step_guards:
            self._step_guards.pop().__exit__(None, None, None)
        handles, self.handles = self.handles, {}
        for handle in handles.values():
            handle.remove()
        self.calls.uninstall()
        for owner, name, original, own in reversed(self._restore):
            if own:
                setattr(owner, name, original)
            else:  # inherited (`torch.Tensor.__add__` is `TensorBase`'s): inherited again
                delattr(owner, name)
        self._restore.clear()

    def _patch(self, owner: Any, name: str, wrapper: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        self._restore.append((owner, name, original, name in vars(owner)))
        setattr(owner, name, wrapper(original))

    def _printed_loss(self, line: PrintedLine) -> None:
        rec = self.rec
        with _own_ops():
            rec.losses.record_printed(line, rec.steps, rec.code.user_site())

    # -- wrapped functions ----------------------------------------------------------

    def _wrap_optimizer_init(self, original: Any) -> Any:
        rec = self.rec

        @functools.wraps(original)
        def __init__(opt: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
            original(opt, *args, **kwargs)
            # Where the user's code built it: a finding about what it holds points there.
            rec.grads.note_built(opt, rec.code.user_site())

        return __init__

    def _wrap_scheduler_init(self, original: Any) -> Any:
        rec = self.rec

        @functools.wraps(original)
        def __init__(scheduler: Any, *args: Any, **kwargs: Any) -> None:
            original(scheduler, *args, **kwargs)
            rec.grads.note_scheduler(scheduler, rec.code.user_site())

        return __init__

    def _wrap_scheduler_step(self, original: Any) -> Any:
        rec = self.rec

        @functools.wraps(original)
        def step(scheduler: Any, *args: Any, **kwargs: Any) -> Any:
            rec.grads.scheduler_stepped(scheduler, rec.code.user_site)
            with _own_ops():  # the scheduler's arithmetic: nothing the checks read
                return original(scheduler, *args, **kwargs)

        return step

    def _wrap_zero_grad_opt(self, original: Any) -> Any:
        rec = self.rec

        def zero_grad(opt: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> Any:
            cleared = rec.grads.cleared
            for group in opt.param_groups:  # map(id): no Python frame per parameter
                cleared.update(map(id, group["params"]))
            with _own_ops():  # reading and clearing `.grad`: nothing the checks look at
                return original(opt, *args, **kwargs)

        return zero_grad

    def _wrap_zero_grad_module(self, original: Any) -> Any:
        rec = self.rec

        def zero_grad(module: nn.Module, *args: Any, **kwargs: Any) -> Any:
            rec.grads.cleared.update(id(p) for p in module.parameters())
            with _own_ops():
                return original(module, *args, **kwargs)

        return zero_grad

    def _wrap_train(self, original: Any) -> Any:
        rec = self.rec
        inside = False  # train() recurses into the children: the outermost call is the user's

        @functools.wraps(original)
        def train(module: nn.Module, mode: bool = True) -> Any:
            nonlocal inside
            if inside or mode:
                return original(module, mode)
            inside = True
            try:
                where = rec.code.user_site()
                if where is not None:  # where a model was put in eval mode (missing-train's cause)
                    rec.models.note_eval_call(module, where)
                return original(module, mode)
            finally:
                inside = False

        return train

    def _wrap_clip(self, original: Any) -> Any:
        rec = self.rec

        def clip(*args: Any, **kwargs: Any) -> Any:
            if rec.last_event == "step":
                rec.hit(Event.CLIP_AFTER_STEP, rec.code.user_site(), fn=original.__name__)
            rec.hit(Event.CLIP, rec.code.user_site(), fn=original.__name__)
            return original(*args, **kwargs)

        clip.__name__ = original.__name__
        clip.__doc__ = original.__doc__
        return clip

    # -- module calls ---------------------------------------------------------------

    def _wrap_module_call(self, original: Any) -> Any:
        models = self.rec.models
        enter, leave = self._enter, self._leave
        is_compiling = torch.compiler.is_compiling

        open_stacks = models.open_stacks
        quiet_call = self._quiet_call

        @functools.wraps(original)
        def __call__(module: nn.Module, *args: Any, **kwargs: Any) -> Any:
            if is_compiling():  # dynamo traces through this: keep our bookkeeping out of its graph
                return original(module, *args, **kwargs)
            # `open_forwards()` inlined (this runs on every module call): a forward is open
            if not kwargs and getattr(open_stacks, "stack", None) and _quiet_leaf(module, args):
                return quiet_call(original, module, args[0])
            quiet = enter(module, args, kwargs)
            try:
                if quiet:
                    with _own_ops():
                        output = original(module, *args, **kwargs)
                else:
                    output = original(module, *args, **kwargs)
            except BaseException:  # Ctrl-C and SystemExit too: the forward is over
                models.leave(module)
                raise
            leave(module, args, kwargs, output)
            return output

        return __call__

    def _quiet_call(self, original: Any, module: nn.Module, x: torch.Tensor) -> Any:
        """A torch leaf layer inside a model (most module calls): the short way.

        It is not put on the nesting stack: in `own_ops()`, nothing its forward runs
        reads the nesting, and a module called from a hook on it still finds its model open.
        """
        root = self.rec.models.current_root
        if root is not None and root.calls == 1:
            self._first_forward_leaf(root, module)
        with _own_ops():
            output = original(module, x)
            if (
                root is not None
                and id(module) in root.dead.layers
                and root.dead.layer_samples(module) < DEAD_WINDOW
            ):
                root.dead.observe_module(module, output)
        return output

    def _enter(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """A module's forward starts: is it a torch leaf that can run in `own_ops()`?"""
        models = self.rec.models
        if models.enter(module) == 0:
            info = models.root_for(module)
            models.current_root = info
            if info is not None:
                info.calls += 1
                self._root_call(info)
                self.rec.ddp.root_forward(info, args)
        elif models.current_root is not None and models.current_root.calls == 1:
            self._first_forward_leaf(models.current_root, module)
        return not kwargs and _quiet_leaf(module, args)

    def _root_call(self, info: RootModel) -> None:
        rec = self.rec
        if not torch.is_grad_enabled() or torch.is_inference_mode_enabled():
            rec.count(Counter.EVAL_FORWARDS)
            training = [n for n, m in info.mode_modules if m.training]
            if training:
                rec.count(Counter.EVAL_FORWARDS_TRAIN_MODE)
                stack = rec.code.user_stack(CALLER_DEPTH + 1)
                site = rec.hit(
                    Event.EVAL_IN_TRAIN_MODE,
                    stack[0] if stack else None,
                    model=info.name,
                    modules=training[:6],
                    n_modules=len(training),
                    types=sorted({type(m).__name__ for _, m in info.mode_modules if m.training}),
                )
                if site is not None:
                    # `return self.decoder(z)` in a helper: what it is for (a loss, or images
                    # to look at) is decided by its callers, told apart only at run time.
                    chains = site.extra.setdefault("callers", [])
                    chain = [list(frame) for frame in stack[1:]]
                    if chain not in chains:
                        if len(chains) < MAX_CHAINS:
                            chains.append(chain)
                        else:
                            site.extra["callers_truncated"] = True
        elif not info.module.training:
            rec.hit(
                Event.EVAL_MODE_WITH_GRAD, rec.code.user_site(), model=info.name, step=rec.steps
            )
            rec.models.eval_forward_pending = True
        else:
            rec.models.eval_forward_pending = False

    def _first_forward_leaf(self, root: RootModel, module: nn.Module) -> None:
        name = root.names.get(id(module))
        if name is None:
            if any(True for _ in module.parameters(recurse=False)):
                rec = self.rec
                rec.hit(
                    Event.UNREGISTERED_MODULE,
                    rec.code.user_site(),
                    model=root.name,
                    type=type(module).__name__,
                    params=sum(p.numel() for p in module.parameters()),
                )
            return
        if (
            isinstance(getattr(module, "weight", None), nn.Parameter)
            and name not in root.exec_order
        ):
            root.exec_order.append(name)

    def _leave(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        """A module's forward returned `output`."""
        models = self.rec.models
        models.leave(module)
        root = models.current_root
        # A full window needs no more samples until the next roll (every 10 steps). Judged per
        # layer: one big forward (a full-batch evaluation) fills the first layer's window before
        # the deeper layers of the same forward are reached, and they must still be counted.
        if (
            root is not None
            and id(module) in root.dead.layers
            and root.dead.layer_samples(module) < DEAD_WINDOW
        ):
            with _own_ops():
                root.dead.observe_module(module, output)
        if isinstance(module, nn.RNNBase):
            self._rnn_post(module, args, kwargs, output)

    def _rnn_post(
        self, module: nn.RNNBase, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        """An RNN's hidden state in (was it carried over a backward() undetached?) and out."""
        rec = self.rec
        root = rec.models.current_root
        for found in (root.recurrent, root.gated) if root is not None else ():
            weight = found.get(id(module))
            if weight is not None and weight["time_steps"] is None and args:
                x = args[0]
                if isinstance(x, torch.Tensor) and x.dim() == 3:
                    weight["time_steps"] = int(x.shape[1] if module.batch_first else x.shape[0])
        states = rec.models.rnn_outputs
        hx = args[1] if len(args) > 1 else kwargs.get("hx")
        for t in _tensors(hx):
            entry = states.get(id(t))
            if (
                entry is not None
                and entry[0]() is t
                and t.grad_fn is not None
                and entry[1] < rec.backwards
            ):
                rec.hit(
                    Event.HIDDEN_NOT_DETACHED, rec.code.user_site(), module=type(module).__name__
                )
                break
        if isinstance(output, tuple) and len(output) == 2:
            for t in _tensors(output[1]):
                if t.requires_grad:
                    states[id(t)] = (weakref.ref(t), rec.backwards)
            if len(states) > 1024:
                rec.models.rnn_outputs = {k: v for k, v in states.items() if v[0]() is not None}

    # -- optimizer hooks --------------------------------------------------------------

    def _step_pre(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        while self._step_guards:  # a step that raised never reached its post hook
            self._step_guards.pop().__exit__(None, None, None)
        guard = _own_ops()
        guard.__enter__()
        try:
            self.rec.before_step(optimizer)
        except BaseException:
            guard.__exit__(None, None, None)
            raise
        if len(args) <= 1 and not kwargs.get("closure"):  # args[0] is the optimizer itself
            # The optimizer's own arithmetic is nothing the checks read: the step runs in
            # the guard our measurements before it ran in (most of a small model's ops).
            self._step_guards.append(guard)
        else:  # a closure (LBFGS) runs the user's code: the call probes see the step
            guard.__exit__(None, None, None)

    def _step_post(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if self._step_guards:
            guard = self._step_guards.pop()
        else:  # a closure's step ran with the call probes on
            guard = _own_ops()
            guard.__enter__()
        try:
            self.rec.after_step(optimizer)  # may end the run (StopDiagnose)
        finally:
            guard.__exit__(None, None, None)


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []
