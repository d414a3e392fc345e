"""Confusion matrix and per-class recall: what accuracy hides on imbalanced data.

`confusion_matrix(pred, target, n)` counts `[true class][predicted class]`;
recall of class c is its diagonal entry over its row (the fraction of class c
found), precision its diagonal over its column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


def confusion_matrix(pred: Tensor, target: Tensor, n_classes: int) -> list[list[int]]:
    """Counts m[t][p] of samples of true class t predicted as class p."""
    import torch

    flat = (target.long() * n_classes + pred.long()).cpu()
    counts = torch.bincount(flat, minlength=n_classes * n_classes)
    return [[int(v) for v in row] for row in counts.reshape(n_classes, n_classes).tolist()]


def recalls(matrix: list[list[int]]) -> list[float]:
    """Per true class: the fraction predicted correctly (NaN for a class with no samples)."""
    return [row[i] / sum(row) if sum(row) else float("nan") for i, row in enumerate(matrix)]


def precisions(matrix: list[list[int]]) -> list[float]:
    """Per predicted class: the fraction of its predictions that are right (NaN if never predicted)."""
    n = len(matrix)
    cols = [sum(matrix[t][p] for t in range(n)) for p in range(n)]
    return [matrix[p][p] / cols[p] if cols[p] else float("nan") for p in range(n)]
