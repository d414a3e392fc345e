"""Gradient norms per layer: the quantity behind vanishing and exploding gradients.

Call after `loss.backward()`. One device sync per call, however many layers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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

    names: list[str] = []
    grads: list[Tensor] = []
    for name, module in model.named_modules():
        if next(iter(module.children()), None) is not None:
            continue
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.nn.Parameter) and weight.grad is not None:
            names.append(name or type(module).__name__)
            grads.append(weight.grad)
    if not grads:
        return {}
    norms = torch._foreach_norm([g.detach() for g in grads])
    return dict(zip(names, to_floats(list(norms)), strict=True))


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

    grads = [p.grad.detach() for p in params if p.grad is not None]
    if not grads:
        return 0.0
    norms = torch._foreach_norm(grads)
    return to_floats([torch.linalg.vector_norm(torch.stack([n.float() for n in norms]))])[0]


def total_weight_norm(params: Iterable[Tensor]) -> float:
    """L2 norm of all the parameters together (the scale a gradient norm is compared with)."""
    import torch

    weights = [p.detach() if p.dtype == torch.float32 else p.detach().float() for p in params]
    if not weights:
        return 0.0
    norms = torch._foreach_norm(weights)  # one whole-list kernel, not one norm per tensor
    return to_floats([torch.linalg.vector_norm(torch.stack(norms))])[0]
