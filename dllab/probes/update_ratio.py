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
    return {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}


def update_ratios(before: Snapshot, model: nn.Module) -> dict[str, float]:
    """Per parameter, the norm of the change since `before` over the norm of `before`.

    A parameter whose old norm is 0 gets the plain norm of its change.
    One device sync for all parameters.
    """
    import torch

    names: list[str] = []
    ratios: list[Tensor] = []
    for name, p in model.named_parameters():
        old = before.get(name)
        if old is None or old.shape != p.shape:
            continue
        old_norm = torch.linalg.vector_norm(old.float())
        delta = torch.linalg.vector_norm((p.detach() - old).float())
        ratios.append(torch.where(old_norm > 0, delta / old_norm.clamp_min(1e-30), delta))
        names.append(name)
    return dict(zip(names, to_floats(ratios), strict=True))
