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


def lower_lr(opt: OptimizerInfo | None) -> str:
    """`lower Adam's learning rate (now 0.01), e.g. to 0.001`, or a plain `lower the learning rate`."""
    if opt is None or opt.get("lr") is None:
        return "lower the learning rate"
    lr = float(opt["lr"])  # type: ignore[arg-type]
    return f"lower {opt['type']}'s learning rate (now {lr:g}), e.g. to {lr / 10:g}"


def sentence(parts: list[str]) -> str:
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
