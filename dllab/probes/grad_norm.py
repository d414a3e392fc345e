"""Gradient norms per layer: the quantity behind vanishing and exploding gradients.

Call after `loss.backward()`. One device sync per call, however many layers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from dllab.probes._base import to_floats

if TYPE_CHECKING:
    from torch import Tensor, nn


def layer_grad_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of `.weight.grad` of each leaf module whose weight has a gradient.

    Args:
        model: any module; its leaf modules with a `weight` parameter
            (Linear, Conv, Embedding, norm layers…) are measured.

    Returns:
        Qualified module name -> norm, in registration order. Layers whose
        weight has no gradient (frozen, or unused in the last backward) are left out.
    """
    import torch

    layers = [(name, w) for name, w in weight_layers(model) if w.grad is not None]
    if not layers:
        return {}
    with torch.no_grad():
        norms = torch._foreach_norm([w.grad for _, w in layers])  # type: ignore[misc]
    return dict(zip([name for name, _ in layers], to_floats(list(norms)), strict=True))


def weight_layers(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """(qualified name, weight) of each leaf module with a `weight` parameter, in registration order.

    The layers `layer_grad_norms` measures; a model without submodules is named by its type.
    """
    import torch

    found: list[tuple[str, nn.Parameter]] = []
    for name, module in model.named_modules():
        if next(iter(module.children()), None) is not None:
            continue
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.nn.Parameter):
            found.append((name or type(module).__name__, weight))
    return found


def grad_and_weight_norms(
    params: Sequence[Tensor], extra_grads: Sequence[Tensor] = ()
) -> tuple[list[float | None], list[float], list[float]]:
    """Per parameter, the L2 norm of its gradient (None: it has none) and of its values.

    Also the norms of `extra_grads` (further gradient tensors, e.g. of layers outside
    `params`). All with one device sync: what `total_grad_norm`, `total_weight_norm`
    and `layer_grad_norms` measure, taken in one pass for a caller that needs all three.
    """
    import torch

    with torch.no_grad():
        grads = [p.grad for p in params if p.grad is not None]
        tensors = [*grads, *extra_grads]
        grad_norms = list(torch._foreach_norm(tensors)) if tensors else []  # type: ignore[arg-type]
        weights = [p if p.dtype == torch.float32 else p.float() for p in params]
        weight_norms = list(torch._foreach_norm(weights)) if weights else []
        values = to_floats([*grad_norms, *weight_norms])
    n_grads = len(grads)
    known = iter(values[:n_grads])
    per_param = [next(known) if p.grad is not None else None for p in params]
    return per_param, values[n_grads : len(tensors)], values[len(tensors) :]


def l2_total(norms: Iterable[float | None]) -> float:
    """The L2 norm of several tensors together, from their own norms (None: skipped)."""
    # `sum`, not `math.fsum`: fsum raises on an overflow, where a norm of inf is the answer.
    return math.sqrt(sum(n * n for n in norms if n is not None))


def first_last_ratio(norms: dict[str, float]) -> float:
    """Gradient norm of the first layer divided by that of the last one.

    Conventions: 1.0 when both are 0 (no signal either way) or when there are
    fewer than two layers; `math.inf` when only the last is 0; `math.nan`
    when either norm is NaN.

    Args:
        norms: the output of `layer_grad_norms` (first = earliest entry).
    """
    if len(norms) < 2:
        return 1.0
    values = list(norms.values())
    first, last = values[0], values[-1]
    if math.isnan(first) or math.isnan(last):
        return math.nan
    if last == 0.0:
        return 1.0 if first == 0.0 else math.inf
    return first / last


def total_grad_norm(params: Iterable[Tensor]) -> float:
    """L2 norm of all gradients together (what `clip_grad_norm_` measures).

    Parameters without a gradient are skipped; 0.0 when none has one.
    """
    import torch

    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    with torch.no_grad():
        norms = torch._foreach_norm(grads)  # type: ignore[arg-type]
    return l2_total(to_floats(list(norms)))


def total_weight_norm(params: Iterable[Tensor]) -> float:
    """L2 norm of all the parameters together (the scale a gradient norm is compared with)."""
    import torch

    with torch.no_grad():
        weights = [p if p.dtype == torch.float32 else p.float() for p in params]
        if not weights:
            return 0.0
        norms = torch._foreach_norm(weights)  # one whole-list kernel, not one norm per tensor
    return l2_total(to_floats(list(norms)))
