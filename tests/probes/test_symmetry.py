"""distinct_rows: compared with a brute-force count of different rows."""

from __future__ import annotations

import torch
from torch import nn

from dllab.probes.symmetry import distinct_rows


def brute_force(weight: torch.Tensor, decimals: int = 6) -> int:
    rows = {
        tuple(round(v, decimals) for v in row.tolist())
        for row in weight.reshape(weight.shape[0], -1)
    }
    return len(rows)


def test_random_constant_and_zero_weights() -> None:
    """Random init: every unit differs; constant or zero init: one unit copied."""
    layer = nn.Linear(16, 32)
    assert distinct_rows(layer.weight) == brute_force(layer.weight) == 32
    nn.init.constant_(layer.weight, 0.1)
    assert distinct_rows(layer.weight) == 1
    nn.init.zeros_(layer.weight)
    assert distinct_rows(layer.weight) == 1


def test_partial_copies_and_conv_weights() -> None:
    """Rows equal up to rounding count once; conv weights are flattened per output channel."""
    w = torch.randn(6, 4)
    w[3] = w[0]
    w[4] = w[1] + 1e-9  # equal after rounding to 6 decimals
    assert distinct_rows(w) == brute_force(w) == 4
    conv = nn.Conv2d(3, 8, 3)
    assert distinct_rows(conv.weight) == 8
