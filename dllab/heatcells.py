"""Heat cells: which metric names form a heat chart's cells, and how a value is shaded.

A heat chart's series are `prefix<i>` (a strip: attention over positions 1 … T) or
`prefix<r>,<c>` (a 2-D map: a k×k kernel). The lesson charts (`dllab.charts`) and
the Visdom mirror read the same cells with `heat_grid`; the terminal shades them
with `HeatScale`, so that a map reads without colour too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HEAT_SHADES = ("░", "▒", "▓", "█")
"""A heat cell's strength, weakest to strongest: it reads without colour (NO_COLOR, TERM=linux)."""

HEAT_POSITIVE, HEAT_NEGATIVE, HEAT_SEQUENTIAL = "red", "blue", "yellow"
"""Cell colours: a signed map (a kernel) is red above 0 and blue below; one sign, one colour."""


def heat_grid(values: Mapping[str, float], prefix: str) -> list[list[float]]:
    """An arm's heat cells as rows of values (NaN where a cell is missing).

    `prefix<i>` is cell i of a strip (one row: attention over positions 1 … T);
    `prefix<r>,<c>` is row r, column c of a 2-D map (a k×k kernel), both counted from 1.
    """
    cells: dict[tuple[int, int], float] = {}
    for name, value in values.items():
        if not name.startswith(prefix):
            continue
        try:
            index = [int(part) for part in name[len(prefix) :].split(",")]
        except ValueError:
            continue
        if len(index) == 1 and index[0] >= 1:
            cells[(0, index[0] - 1)] = value
        elif len(index) == 2 and min(index) >= 1:
            cells[(index[0] - 1, index[1] - 1)] = value
    if not cells:
        return []
    rows = 1 + max(r for r, _ in cells)
    cols = 1 + max(c for _, c in cells)
    return [[cells.get((r, c), math.nan) for c in range(cols)] for r in range(rows)]


@dataclass(frozen=True)
class HeatScale:
    """How a value becomes a shade and a colour, shared by every arm of one chart."""

    lo: float
    hi: float
    signed: bool
    """Values of both signs: strength is |value| / max |value|, colour the sign."""

    def strength(self, value: float) -> float:
        """0 (weakest) … 1 (strongest)."""
        if self.signed:
            return abs(value) / self.hi if self.hi > 0 else 0.0
        return (value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 1.0

    def shade(self, value: float) -> str:
        """The character a cell is filled with."""
        level = min(len(HEAT_SHADES) - 1, int(self.strength(value) * len(HEAT_SHADES)))
        return HEAT_SHADES[level]

    def color(self, value: float) -> str:
        """The cell's colour."""
        if not self.signed:
            return HEAT_SEQUENTIAL
        return HEAT_POSITIVE if value >= 0 else HEAT_NEGATIVE


def heat_scale(values: Sequence[float]) -> HeatScale | None:
    """The scale of a chart's finite values (None when there are none).

    Values of both signs (kernel weights) scale by |value| around 0; values of one
    sign run from 0 (weights, all >= 0) or from their minimum (log10 gradients, all < 0)
    to their maximum, so brighter always means larger.
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    if lo < 0 < hi:
        return HeatScale(0.0, max(-lo, hi), True)
    return HeatScale(0.0 if lo >= 0 else lo, hi, False)
