"""Overfitting from train and validation loss series (pure Python).

`overfitting_onset` looks after the best (lowest) validation loss of the
whole series: it needs `patience` evaluations in a row where the relative gap
(val - train) / train exceeds `gap`, validation loss sits above its best by
`rise` and training loss has not risen (it keeps falling or has plateaued,
e.g. at ~0 after memorising), and the last evaluation still well above the
best. No single-epoch trigger: one noisy evaluation never counts, and a
validation loss that comes back down is not overfitting. A noisy validation
loss (a small validation set, a jittery optimizer) must rise past its noise
too: the rise is measured from the lowest running median of 3 and must exceed
`noise` standard deviations of the evaluation-to-evaluation noise, estimated
from second differences over 8 evaluations or more (a steady trend has none,
so a real rise is not mistaken for noise).
"""

from __future__ import annotations

import math
import statistics
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
    """Index of the best (lowest) validation loss: the checkpoint to keep."""
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
    plateau: float = 0.05,
    noise: float = 4.0,
) -> Overfitting | None:
    """The sustained overfitting run in the series, or None.

    Args:
        train: training loss per evaluation (e.g. the epoch mean).
        val: validation loss per evaluation, same length.
        gap: minimum relative gap (val - train) / train.
        rise: validation loss must exceed its best by this fraction
            (0.2: the curriculum's "1.2x its minimum"; smaller rises are noise or mild).
        patience: evaluations in a row that must all satisfy the conditions.
        plateau: training loss may sit this share of the best validation loss
            above its value at the best evaluation and still count as not rising.
        noise: the rise must also exceed this many standard deviations of the
            validation loss's noise (0: off).
    """
    n = min(len(train), len(val))
    if n == 0:
        return None
    best_index = min(range(n), key=lambda i: val[i])
    best_val = val[best_index]
    sigma = noise_level(val[:n])
    base = min(statistics.median(val[max(0, i - 1) : i + 2]) for i in range(n))
    threshold = max(best_val * (1.0 + rise), base + noise * sigma)
    if val[n - 1] <= max(best_val * (1.0 + rise / 2), base + noise / 2 * sigma):
        return None  # it came back down: whatever rose in between was not sustained
    # Training "has not risen": within a small share of the validation loss's scale.
    train_ceiling = train[best_index] + plateau * max(best_val, train[best_index])
    run = 0
    for i in range(best_index + 1, n):
        overfit = (
            relative_gap(train[i], val[i]) > gap
            and val[i] > threshold
            and train[i] <= train_ceiling
        )
        run = run + 1 if overfit else 0
        if run >= patience:
            last = n - 1
            return Overfitting(
                i - patience + 1,
                best_index,
                best_val,
                val[last],
                train[last],
                relative_gap(train[last], val[last]),
            )
    return None


def noise_level(values: Sequence[float]) -> float:
    """A robust standard deviation of the noise around a smooth curve (0 for under 8 values).

    From second differences, v[i+1] - 2 v[i] + v[i-1]: a straight trend cancels
    out, independent noise of standard deviation s leaves 6 s^2 of variance.
    """
    if len(values) < 8:
        return 0.0  # too few to tell noise from the curve
    second = [abs(values[i + 1] - 2 * values[i] + values[i - 1]) for i in range(1, len(values) - 1)]
    return 1.4826 * statistics.median(second) / math.sqrt(6.0)
