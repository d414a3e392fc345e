"""Overfitting from train and validation loss series (pure Python).

`overfitting_onset` finds the first evaluation where, for `patience`
evaluations in a row, the relative gap (val - train) / train exceeds `gap`,
validation loss sits above its best value by `rise` and training loss keeps
falling. No single-epoch trigger: one noisy evaluation never counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def relative_gap(train: float, val: float) -> float:
    """(val - train) / train; `inf` when train is 0 and val is above it."""
    if train <= 0.0:
        return float("inf") if val > train else 0.0
    return (val - train) / train


@dataclass(frozen=True)
class Overfitting:
    """Where and how strongly the validation loss left the training loss."""

    onset: int
    """Index of the first evaluation of the sustained run."""
    best_index: int
    """Index of the best (lowest) validation loss before the onset."""
    best_val: float
    """That lowest validation loss."""
    last_val: float
    """Validation loss at the last evaluation."""
    last_train: float
    """Training loss at the last evaluation."""
    last_gap: float
    """Relative gap at the last evaluation."""


def overfitting_onset(
    train: Sequence[float],
    val: Sequence[float],
    *,
    gap: float = 0.1,
    rise: float = 0.2,
    patience: int = 3,
) -> Overfitting | None:
    """The sustained overfitting run in the series, or None.

    Args:
        train: training loss per evaluation (e.g. the epoch mean).
        val: validation loss per evaluation, same length.
        gap: minimum relative gap (val - train) / train.
        rise: validation loss must exceed its best so far by this fraction
            (0.2: the curriculum's "1.2x its minimum"; smaller rises are noise or mild).
        patience: evaluations in a row that must all satisfy the conditions.
    """
    n = min(len(train), len(val))
    run = 0
    best_index = 0
    for i in range(n):
        if val[i] < val[best_index]:
            best_index = i
        overfit = (
            i > best_index
            and relative_gap(train[i], val[i]) > gap
            and val[i] > val[best_index] * (1.0 + rise)
            and train[i] < train[best_index]
        )
        run = run + 1 if overfit else 0
        if run >= patience:
            onset = i - patience + 1
            last = n - 1
            return Overfitting(
                onset,
                best_index,
                val[best_index],
                val[last],
                train[last],
                relative_gap(train[last], val[last]),
            )
    return None
