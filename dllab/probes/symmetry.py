"""Weight symmetry: how many different hidden units a layer really has.

Units that start with identical weights get identical gradients and stay
identical forever (zero or constant init). Counting the distinct rows of a
weight matrix shows it: a layer of 200 units with 1 distinct row is one unit
copied 200 times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


def distinct_rows(weight: Tensor, decimals: int = 6) -> int:
    """Number of distinct rows (output units) of a weight, after rounding.

    Args:
        weight: `(out, in)` Linear weight, or `(out, in, k…)` conv weight (flattened per unit).
        decimals: rows equal after rounding to this many decimals count as one.
    """
    import torch

    rows = weight.detach().reshape(weight.shape[0], -1).float()
    return int(torch.unique(torch.round(rows, decimals=decimals), dim=0).shape[0])
