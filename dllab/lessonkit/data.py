"""Data sets for lessons: the bundled 8x8 digits, and synthetic sets made on the spot.

Nothing is ever downloaded. The digits are the UCI optical-digits test set
(1,797 images, 8x8 pixels of 0..16), shipped in `assets/digits/` — see its README
for source and licence.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from dllab.paths import assets_dir

N_TRAIN = 1297
"""Training images after the seeded split (the rest, 500, are for validation)."""


@dataclass(frozen=True)
class Split:
    """Train and validation tensors."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor

    def to(self, device: torch.device) -> Split:
        """The same split on another device."""
        return Split(*(t.to(device) for t in (self.x_train, self.y_train, self.x_val, self.y_val)))


@lru_cache(maxsize=1)
def _digits_array() -> np.ndarray:
    path = assets_dir() / "digits" / "digits.csv.gz"
    with gzip.open(path, "rt") as fh:
        return np.loadtxt(fh, delimiter=",", dtype=np.float32)


def digits(
    scale: str = "standardize", split_seed: int = 0, device: torch.device | str = "cpu"
) -> Split:
    """The digits split 1297/500 by a seeded permutation.

    Args:
        scale: "standardize" (z-score with training statistics, +1e-6 on the std
            because some border pixels are always 0), "pixels16" (divide by 16,
            into [0, 1]) or "raw" (0..16).
        split_seed: seed of the permutation (the same split for every arm).
        device: where the tensors live.
    """
    data = _digits_array()
    x = torch.from_numpy(data[:, :64].copy())
    y = torch.from_numpy(data[:, 64].astype(np.int64))
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(split_seed))
    x, y = x[perm], y[perm]
    x_train, x_val = x[:N_TRAIN], x[N_TRAIN:]
    if scale == "standardize":
        mean, std = x_train.mean(0), x_train.std(0) + 1e-6
        x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
    elif scale == "pixels16":
        x_train, x_val = x_train / 16, x_val / 16
    elif scale != "raw":
        raise ValueError(f"unknown scale {scale!r}")
    return Split(x_train, y[:N_TRAIN], x_val, y[N_TRAIN:]).to(torch.device(device))


def circles(
    n_train: int = 1000,
    n_val: int = 500,
    noise: float = 0.15,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> Split:
    """Two concentric rings (radius 1 = class 0, radius 2 = class 1): not linearly separable."""
    g = torch.Generator().manual_seed(seed)
    n = n_train + n_val
    label = torch.randint(0, 2, (n,), generator=g)
    angle = torch.rand(n, generator=g) * 2 * torch.pi
    radius = 1.0 + label.float() + noise * torch.randn(n, generator=g)
    x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    return Split(x[:n_train], label[:n_train], x[n_train:], label[n_train:]).to(
        torch.device(device)
    )


def minibatches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """Index tensors of one shuffled epoch."""
    order = torch.randperm(n, generator=generator)
    return list(torch.split(order, batch_size))


def noisy_labels(
    y: torch.Tensor, fraction: float, n_classes: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels with round(fraction·N) of them replaced by a *wrong* class, uniformly drawn.

    Returns:
        The corrupted labels, and the boolean mask of the corrupted positions.
    """
    g = torch.Generator().manual_seed(seed)
    n = len(y)
    flipped = torch.zeros(n, dtype=torch.bool)
    flipped[torch.randperm(n, generator=g)[: round(fraction * n)]] = True
    # adding 1..C-1 modulo C never gives back the true class
    shift = torch.randint(1, n_classes, (n,), generator=g)
    out = torch.where(flipped, (y.cpu() + shift) % n_classes, y.cpu())
    return out.to(y.device), flipped.to(y.device)
