"""Log-scale bars and labels, drawn the same way by every chart in dllab.

The lesson charts (`dllab.charts`), the terminal report of `dllab diagnose`
and the lab's diagnose screen all draw per-layer gradient norms on a log scale;
one function decides heights and ticks so the three agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def decade_label(k: int) -> str:
    """10**k as a short tick label: 1, 10, 100, 1000, else 1e-3, 1e4."""
    return str(10**k) if 0 <= k <= 3 else f"1e{k}"


def log_bars(
    raw: Sequence[Sequence[float]],
) -> tuple[list[list[float]], tuple[list[float], list[str]]]:
    """Bar heights above a floor one decade below the smallest value, with 1e-k tick labels.

    plotext bars start at 0 and cannot use a log axis, and raw log10 values would
    hang down from 0 (the smallest gradient drawn as the longest bar). Lifting
    them onto a floor keeps "taller = larger" and labels the decades. A value
    that is not positive and finite gets no bar.

    Args:
        raw: one row of values per group (arm), one value per bar.

    Returns:
        The heights (same shape as `raw`) and the (positions, labels) of the ticks.
    """
    logs = [[math.log10(v) if v > 0 and math.isfinite(v) else math.nan for v in row] for row in raw]
    finite = [v for row in logs for v in row if math.isfinite(v)]
    if not finite:
        return [[0.0] * len(row) for row in raw], ([0.0], ["0"])
    floor = math.floor(min(finite)) - 1
    top = math.ceil(max(finite))
    heights = [[v - floor if math.isfinite(v) else 0.0 for v in row] for row in logs]
    span = top - floor
    stride = max(1, math.ceil(span / 6))  # about six labelled decades fit any chart height
    decades = list(range(floor, top + 1, stride))
    return heights, ([float(d - floor) for d in decades], [decade_label(d) for d in decades])
