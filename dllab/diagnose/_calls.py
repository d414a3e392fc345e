"""The torch functions the checks read, seen as the user's code calls them (child only).

Each function a check reads (the losses, softmax, functional ReLU and dropout,
`backward()`, `zero_()`, and the additions and scalings that accumulate a loss)
is replaced for the run by a thin wrapper that hands the call to its handler;
`uninstall()` puts the originals back. Every other torch call is left alone.

Why not a `TorchFunctionMode`, which sees every call without naming them: while a
mode is active, every torch call made from Python goes through torch's Python
dispatch (`handle_torch_function`) to reach it, although only these are read. On
`long.py`'s step that cost ~48 µs of the ~145 µs diagnose added (`F.cross_entropy`
+12 µs, indexing +3 µs a call, even with no handler); a wrapper that passes a call
through costs ~0.2 µs, and only on the functions in `PATCHED`.

The wrappers keep what the mode did:
- a call made while a handler runs (torch's own calls inside `F.relu`, a user's
  hook inside `backward()`) is not seen, as the mode popped itself while it handled one;
- our own measurements run under `own_ops()` (`DisableTorchFunction`, which switched
  the mode off) and pass through;
- only the thread that installed them is seen (the mode stack is per thread);
- under `torch.compile` tracing they step aside, and `torch.jit.script` compiles a model
  that calls them as without dllab (`CallProbes._scriptable_as`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import torch
import torch.jit._builtins as jit_builtins
import torch.nn.functional as F

from dllab.diagnose._recorder import Recorder
from dllab.diagnose._steps import dense_schedule
from dllab.diagnose.observations import Counter, Event
from dllab.probes import in_unit_interval, is_log_probability_rows, is_probability_rows

own_ops: Callable[[], Any] = torch._C.DisableTorchFunction
"""Our own measurements run in this: never seen as the user's calls, and no handler cost.
(The context manager itself, not a function returning it: this is entered ~10 times a step.)"""

_CLASS_LOSSES = ("cross_entropy", "nll_loss")
_BINARY_LOSSES = ("binary_cross_entropy_with_logits", "binary_cross_entropy")
_OTHER_LOSSES = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div")
_DROPOUTS = (
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
)

PATCHED: tuple[tuple[Any, tuple[str, ...], str], ...] = (
    (F, (*_CLASS_LOSSES, *_BINARY_LOSSES, *_OTHER_LOSSES), "_loss"),
    # Activations with zero gradient for negative inputs: the ones whose units can die.
    # `F.relu` itself is left alone (it calls `torch.relu` or `torch.relu_`): torch keeps the
    # original as a default argument (`TransformerEncoderLayer(activation=F.relu)`), and pickle
    # refuses a model holding a function that its module no longer names.
    (F, ("relu6",), "_relu"),
    (torch, ("relu", "relu_"), "_relu"),
    (torch.Tensor, ("relu",), "_relu"),
    # A loss summed over steps (`total += loss`, `0 + loss`, `torch.add`).
    (torch.Tensor, ("__add__", "__radd__", "__iadd__", "add", "add_"), "_add"),
    (torch, ("add",), "_add"),
    # A loss times a count (`AverageMeter.update(loss, n)`: `self.sum += val * n`) is still that loss.
    (torch.Tensor, ("__mul__", "__rmul__", "__truediv__", "mul", "div"), "_scale"),
    (torch, ("mul", "div"), "_scale"),
    (F, ("softmax", "log_softmax"), "_softmax"),
    (F, _DROPOUTS, "_dropout"),
    (torch.Tensor, ("backward",), "_backward"),
    (torch.Tensor, ("zero_",), "_zero"),
)
"""(owner, attribute names, handler): every function the checks read, where the user's code finds it."""

Handler = Callable[[str, Any, tuple[Any, ...], dict[str, Any]], Any]
Patch = Callable[[Any, str, Callable[[Any], Any]], None]


def _inputs_undecided(extra: dict[str, Any]) -> bool:
    """Could this loss line's inputs still all be probabilities (or all in [0, 1])?

    The rules that read the checks need every checked input to be such: once one is
    not (logits, the usual case), further checks of the line can change nothing.
    """
    checked = extra["checked"]
    return checked == 0 or checked in (
        extra["prob_rows"],
        extra["log_prob_rows"],
        extra["unit_interval"],
    )


class CallProbes:
    """Hands the calls of `PATCHED` to their handlers (which never change results)."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.busy = False
        """A handler is running: calls made inside it are torch's or the user's hooks', not seen."""
        self.thread = threading.get_ident()
        self._jit_registered: list[Any] = []

    def install(self, patch: Patch) -> None:
        """Wrap every function of `PATCHED` through `patch(owner, name, make_wrapper)`."""
        self.thread = threading.get_ident()
        for owner, names, handler_name in PATCHED:
            handler: Handler = getattr(self, handler_name)
            for name in names:
                patch(owner, name, functools.partial(self._wrapper, name, handler=handler))

    def _wrapper(self, name: str, original: Any, *, handler: Handler) -> Any:
        all_disabled = torch._C._is_torch_function_all_disabled
        is_compiling = torch.compiler.is_compiling
        get_ident = threading.get_ident

        @functools.wraps(original)
        def call(*args: Any, **kwargs: Any) -> Any:
            # First what dynamo folds to a constant: a traced call sees none of the rest.
            if is_compiling() or self.busy or all_disabled() or get_ident() != self.thread:
                return original(*args, **kwargs)
            self.busy = True
            try:
                return handler(name, original, args, kwargs)
            finally:
                self.busy = False

        self._scriptable_as(call, original)
        return call

    def _scriptable_as(self, call: Any, original: Any) -> None:
        """Make `torch.jit.script` compile a model that calls `call` as it would `original`.

        TorchScript resolves the functions a model calls by identity. `torch.relu`, `torch.add`
        are aten ops, found in its table of builtins: `call` goes in under the same op. A
        Python function (`F.cross_entropy`) is compiled from its source: `call` carries the
        marker of `torch.jit.script_if_tracing`'s wrappers, which has `original` compiled, with
        its own globals. Both are torch internals (no public API does this); the test that
        scripts a model under diagnose says when a torch release changes them.
        """
        op = jit_builtins._find_builtin(original)  # type: ignore[no-untyped-call]
        if op is not None:
            jit_builtins._register_builtin(call, op)  # type: ignore[no-untyped-call]
            self._jit_registered.append(call)
        else:
            # setattr: in a class body `call.__original_fn` would be name-mangled
            setattr(call, "__original_fn", original)
            setattr(call, "__script_if_tracing_wrapper", True)

    def uninstall(self) -> None:
        """Forget the wrappers' builtin entries (their ids may be reused by other objects)."""
        table = jit_builtins._get_builtin_table()  # type: ignore[no-untyped-call]
        for call in self._jit_registered:
            table.pop(id(call), None)
        self._jit_registered.clear()

    def _loss(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        rec = self.rec
        result = func(*args, **kwargs)
        inp = args[0] if args else kwargs.get("input")
        if not isinstance(inp, torch.Tensor) or not isinstance(result, torch.Tensor):
            return result
        evaluating = not torch.is_grad_enabled() or torch.is_inference_mode_enabled()
        site = rec.losses.site(name, rec.code.user_site())
        extra = site.extra
        extra["eval_calls" if evaluating else "train_calls"] += 1
        if (
            dense_schedule(site.count)
            and _inputs_undecided(extra)
            and inp.is_floating_point()
            and inp.dim() >= 1
        ):
            extra["checked"] += 1
            if name in _CLASS_LOSSES:
                extra["classes"] = int(inp.shape[1] if inp.dim() > 1 else inp.shape[0])
                extra["prob_rows"] += is_probability_rows(inp)
                extra["log_prob_rows"] += is_log_probability_rows(inp)
            elif name in _BINARY_LOSSES:
                extra["unit_interval"] += in_unit_interval(inp)
        if result.dim() == 0:
            value = result
            target = args[1] if len(args) > 1 else kwargs.get("target")
            if kwargs.get("reduction") == "sum" and isinstance(target, torch.Tensor):
                # Per sample, as with the default reduction: comparable across batch sizes.
                value = result.detach() / max(1, target.numel())
            root = rec.models.current_root
            # A loss in eval() mode with gradients on is an evaluation too, unless steps follow.
            kind = "eval" if evaluating else "train"
            if not evaluating and root is not None and not root.module.training:
                kind = "eval-mode"
            rec.losses.record_value(value, kind, rec.steps)
            if result.requires_grad:
                rec.losses.tag(result, rec.steps)
        return result

    def _relu(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = func(*args, **kwargs)
        if isinstance(result, torch.Tensor) and result.numel() > 0:
            where = self.rec.code.direct_user_caller()
            if where is not None:
                # `F.relu(x, inplace=True)` is `torch.relu_`: the same ReLU
                self.rec.models.functional_dead.observe(
                    f"{name.rstrip('_')} at line {where[1]}", result
                )
        return result

    def _add(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = func(*args, **kwargs)
        rec = self.rec
        losses = rec.losses
        if not losses.tags or not isinstance(result, torch.Tensor) or not result.requires_grad:
            return result
        steps = [s for s in (losses.tag_of(a) for a in args[:2]) if s is not None]
        if steps:
            if len(steps) == 2 and steps[0] != steps[1]:
                rec.hit(Event.LOSS_ACCUMULATION, rec.code.user_site(), first_step=min(steps))
            losses.tag(result, min(steps))
        return result

    def _scale(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = func(*args, **kwargs)
        losses = self.rec.losses
        if not losses.tags or not isinstance(result, torch.Tensor) or result.dim() != 0:
            return result
        other = args[1] if len(args) == 2 else None
        by_a_number = isinstance(other, (int, float)) or (
            isinstance(other, torch.Tensor) and other.numel() == 1
        )
        step = losses.tag_of(args[0]) if by_a_number and result.requires_grad else None
        if step is not None:
            losses.tag(result, step)
        return result

    def _softmax(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        inp = args[0] if args else kwargs.get("input")
        if dim is None and isinstance(inp, torch.Tensor):
            self.rec.hit(
                Event.IMPLICIT_SOFTMAX_DIM,
                self.rec.code.user_site(),
                ndim=inp.dim(),
                fn=name,
            )
        return func(*args, **kwargs)

    def _dropout(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        rec = self.rec
        training = args[2] if len(args) > 2 else kwargs.get("training", True)
        p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
        root = rec.models.current_root
        if (
            training
            and p
            and rec.models.depth > 0
            and root is not None
            and not root.module.training
        ):
            where = rec.code.direct_user_caller()
            if where is not None:  # called from the user's forward, not from nn.Dropout
                rec.hit(Event.FUNCTIONAL_DROPOUT_IN_EVAL, where, model=root.name, p=float(p))
        return func(*args, **kwargs)

    def _backward(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        rec = self.rec
        if args and isinstance(args[0], torch.Tensor):
            rec.losses.record_backward_root(args[0], rec.steps)
        if rec.backwards < 3:
            rec.hit(Event.BACKWARD, rec.code.user_site())
        if rec.models.eval_forward_pending:
            # e.g. gradients w.r.t. inputs in eval mode: a graph that is used
            rec.count(Counter.BACKWARD_AFTER_EVAL_FORWARD)
        result = func(*args, **kwargs)
        rec.backwards += 1
        rec.last_event = "backward"
        return result

    def _zero(self, name: str, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        grads = self.rec.grads
        if args and isinstance(args[0], torch.Tensor) and grads.grad_refs:
            target = args[0]
            for pid, ref in grads.grad_refs.items():
                if ref() is target:
                    grads.cleared.add(pid)
                    break
        return func(*args, **kwargs)
