"""The L2 norm of a model's weights: what weight decay shrinks.

Only weight matrices and kernels (parameters with two or more dimensions)
count; biases and normalization scales are left out, as most weight-decay
recipes leave them out of the penalty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn


def weight_norm(model: nn.Module) -> float:
    """sqrt(sum of w² over every parameter with ndim >= 2), as a Python float."""
    import torch

    with torch.no_grad():
        squares = [p.detach().float().pow(2).sum() for p in model.parameters() if p.ndim >= 2]
        if not squares:
            return 0.0
        return float(torch.stack(squares).sum().sqrt().item())
