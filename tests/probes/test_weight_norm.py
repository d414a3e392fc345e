"""weight_norm: the L2 norm over weight matrices only, against a brute-force sum."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dllab.lessonkit.models import mlp
from dllab.probes import weight_norm


def test_weight_norm_counts_matrices_not_biases() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(2.0)
    # 5*4 + 4*3 = 32 weights of 2.0; biases and the BatchNorm scale/shift are left out
    assert weight_norm(model) == pytest.approx(math.sqrt(32 * 4.0), rel=1e-6)


def test_weight_norm_of_a_model_without_matrices_is_zero() -> None:
    assert weight_norm(nn.ReLU()) == 0.0


def test_mlp_dropout_follows_each_hidden_activation() -> None:
    model = mlp(64, 16, 3, 10, dropout=0.5)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert "Dropout" not in [type(m).__name__ for m in mlp(64, 16, 3, 10)]
