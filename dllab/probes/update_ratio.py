"""Update/weight ratio per parameter: ||W_after - W_before|| / ||W_before||.

Healthy training sits around 1e-3 per step (log10 in [-4, -1]); exactly 0
means the parameter was never updated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dllab.probes._base import to_floats

if TYPE_CHECKING:
    from torch import Tensor, nn

Snapshot = dict[str, "Tensor"]
"""Parameter name -> a detached copy of its values."""


def snapshot(model: nn.Module) -> Snapshot:
    """Copy every trainable parameter (call before `optimizer.step()`)."""
    import torch

    # One op per parameter: under no_grad a clone records no graph (no `detach()` needed),
    # and on the CPU a list-wide `_foreach` copy measured slower than the clones.
    with torch.no_grad():
        return {name: p.clone() for name, p in model.named_parameters() if p.requires_grad}


def update_ratios(before: Snapshot, model: nn.Module) -> dict[str, float]:
    """Per parameter, the norm of the change since `before` over the norm of `before`.

    A parameter whose old norm is 0 gets the plain norm of its change.
    One device sync for all parameters.
    """
    import torch

    names: list[str] = []
    olds: list[Tensor] = []
    news: list[Tensor] = []
    for name, p in model.named_parameters():
        old = before.get(name)
        if old is None or old.shape != p.shape:
            continue
        names.append(name)
        olds.append(_as_float(old))
        news.append(_as_float(p.detach()))
    if not names:
        return {}
    # Whole-list kernels and one transfer: a few ops per model, not a few per parameter
    # (this runs on every measured step of `dllab diagnose`).
    with torch.no_grad():
        old_norms = torch._foreach_norm(olds)
        deltas = torch._foreach_norm(torch._foreach_sub(news, olds))
        values = to_floats([*old_norms, *deltas])
    n = len(names)
    return {
        name: delta / old if old > 0 else delta
        for name, old, delta in zip(names, values[:n], values[n:], strict=True)
    }


def _as_float(t: Tensor) -> Tensor:
    """float32 (half and bfloat16 norms overflow or round), left alone when it already is."""
    import torch

    return t if t.dtype == torch.float32 else t.float()
