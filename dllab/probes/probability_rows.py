"""Is a tensor already a probability distribution? (the double-softmax test)

Classes are on dim 1 (the `CrossEntropyLoss` convention: `(N, C)` or `(N, C, d1, …)`);
a 1-D tensor is one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


def _class_dim(t: Tensor) -> int:
    return 0 if t.dim() == 1 else 1


def is_probability_rows(t: Tensor, tol: float = 1e-4) -> bool:
    """True when every entry is >= 0 and every row sums to 1 within `tol`."""
    import torch

    if t.numel() == 0 or not t.is_floating_point() or t.dim() == 0:
        return False
    x = t.detach().float()
    sums = x.sum(dim=_class_dim(x))
    ok = torch.logical_and((x >= 0).all(), ((sums - 1).abs() <= tol).all())
    return bool(ok.item())


def is_log_probability_rows(t: Tensor, tol: float = 1e-3) -> bool:
    """True when every entry is <= 0 and every row's logsumexp is 0 within `tol`."""
    import torch

    if t.numel() == 0 or not t.is_floating_point() or t.dim() == 0:
        return False
    x = t.detach().float()
    lse = torch.logsumexp(x, dim=_class_dim(x))
    ok = torch.logical_and((x <= tol).all(), (lse.abs() <= tol).all())
    return bool(ok.item())


def in_unit_interval(t: Tensor) -> bool:
    """True when every entry lies in [0, 1] (a sigmoid output, not a logit)."""
    import torch

    if t.numel() == 0 or not t.is_floating_point():
        return False
    x = t.detach()
    return bool(torch.logical_and((x >= 0).all(), (x <= 1).all()).item())
