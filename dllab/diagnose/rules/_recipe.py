"""What the run shows the script already does, so that a fix never suggests it again.

The optimizer in use (its type, learning rate, weight decay), the module types
its models are built from, whether it clips gradients. A rule that uses these
declares `Field.OPTIMIZERS`, `Field.MODELS` or `Event.CLIP` in its `requires`.
"""

from __future__ import annotations

from dllab.diagnose.observations import Event, Field, OptimizerInfo
from dllab.diagnose.rules._base import Context

ADAPTIVE = {"Adam", "AdamW", "NAdam", "RAdam", "Adamax", "Adagrad", "Adadelta", "RMSprop"}
"""Optimizers that scale each weight's step by its gradients' history."""
SATURATING = {"Sigmoid", "Tanh", "Softsign", "Hardtanh", "Hardsigmoid"}
NORMALIZATION = {
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "RMSNorm",
}
DROPOUT = {"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"}


def optimizer_in_use(ctx: Context) -> OptimizerInfo | None:
    """The first optimizer that stepped."""
    return next((o for o in ctx.get(Field.OPTIMIZERS, []) if o.get("steps")), None)


def module_types(ctx: Context) -> set[str]:
    """Class names of every submodule of every model the script called."""
    return {t for m in ctx.models() for t in m.get("module_types", [])}


def clips(ctx: Context) -> bool:
    """The script calls `clip_grad_norm_` / `clip_grad_value_`."""
    return bool(ctx.sites(Event.CLIP))


USUAL_LR: dict[str, tuple[float, str]] = {
    "SGD": (0.1, "the usual range is 0.01-0.1"),
    "Adam": (1e-3, "its default"),
    "AdamW": (1e-3, "its default"),
    "NAdam": (2e-3, "its default"),
    "RAdam": (1e-3, "its default"),
    "Adamax": (2e-3, "its default"),
    "SparseAdam": (1e-3, "its default"),
    "RMSprop": (1e-3, "the usual range is 1e-4 to 1e-3"),
    "Adagrad": (1e-2, "its default"),
    "Adadelta": (1.0, "its default"),
}
"""Per optimizer: the top of the range its learning rate usually trains in, and where that comes from.

Above it, the advice names that value; at or below it, the run itself showed the
rate too high for this model, so the advice is relative (a tenth of it).
"""


WARMUP_SCHEDULERS = {"OneCycleLR", "LinearLR", "LambdaLR", "SequentialLR", "ChainedScheduler"}
"""Schedulers that warm up (OneCycleLR always; the others are how warm-ups are written)."""


def warms_up(opt: OptimizerInfo | None) -> bool:
    """The optimizer has a scheduler that (may) already warm its learning rate up."""
    return opt is not None and any(
        s.get("type") in WARMUP_SCHEDULERS for s in opt.get("schedulers") or []
    )


def lr_advice(opt: OptimizerInfo | None) -> str:
    """How to lower the learning rate, phrased for the optimizer the run used.

    Never a value the code already has: a rate above its optimizer's usual range is
    brought to the top of it, one within the range to a tenth. Adadelta's lr is a
    scale factor (default 1.0) on the step it sizes itself, SGD's momentum multiplies
    each step, LBFGS without a line search takes lr-sized raw steps. An optimizer not
    listed gets the relative advice. `""` when the rate is already 0.
    """
    if opt is None or opt.get("lr") is None:
        return "lower the learning rate"
    name, lr = opt["type"], float(opt["lr"])  # type: ignore[arg-type]
    if not lr > 0:
        return ""
    tenth = f"~{lr / 10:.2g}"
    if name == "LBFGS":
        if opt.get("line_search"):
            return f"lower LBFGS's lr (where its line search starts) from {lr:g} to {tenth}"
        return (
            f"give LBFGS line_search_fn='strong_wolfe', so that it sizes each step itself "
            f"(without it every step is lr={lr:g} times the raw direction), or lower its lr to {tenth}"
        )
    usual = USUAL_LR.get(name)
    if usual is None:
        return f"lower {name}'s learning rate from {lr:g} to {tenth}"
    top, why = usual
    if name == "Adadelta":  # its lr multiplies a step it sizes itself; 1.0 is no step size
        target = f"{top:g} or below" if lr > top else tenth
        return f"lower Adadelta's lr from {lr:g} to {target} (it scales the step Adadelta sizes itself; its default is 1.0)"
    target = f"{top:g} ({why}) or below" if lr > top else tenth
    text = f"lower {name}'s learning rate from {lr:g} to {target}"
    momentum = opt.get("momentum")
    if name == "SGD" and isinstance(momentum, float) and 0.5 <= momentum < 1:
        text += f"; with momentum {momentum:g} each step is ~{1 / (1 - momentum):.0f}x lr"
    return text


def sentence(parts: list[str]) -> str:
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
