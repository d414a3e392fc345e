"""Draw a sweep's summary with plotext: the outcome against the knob, one curve per arm.

It reads only the JSON-like summary of `dllab.engine.sweep.summarize`, so the
CLI, the lab and a replay draw the same chart. `plt` is the plotext module or a
textual-plotext widget's `.plt`, as in `dllab.charts`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dllab.charts import OVERLAY_COLOR, arm_color


def _finite(
    xs: Sequence[float], ys: Sequence[float | None], log_x: bool, log_y: bool
) -> tuple[list[float], list[float]]:
    keep = [
        (x, y)
        for x, y in zip(xs, ys, strict=True)
        if y is not None and math.isfinite(y) and (not log_y or y > 0) and (not log_x or x > 0)
    ]
    return [x for x, _ in keep], [y for _, y in keep]


def draw_sweep(
    plt: Any,
    summary: dict[str, Any],
    *,
    labels: dict[str, str] | None = None,
    marker: str = "braille",
    width: int = 80,
) -> None:
    """One chart: each curve's mean over seeds (dots at the measured points), with its
    min/max band as two thin lines of the same colour when seeds > 1."""
    plt.clear_data()
    title = str(summary["title"])
    # plotext drops a title wider than the plot instead of cutting it
    plt.title(title if len(title) <= width - 4 else title[: width - 5] + "…")
    plt.xlabel(str(summary["knob"]))
    log_x, log_y = bool(summary["log_x"]), bool(summary["log_y"])
    xs = [float(x) for x in summary["xs"]]
    band = len(summary["seeds"]) > 1
    labels = labels or {}
    drew = False
    for i, (name, curve) in enumerate(summary["curves"].items()):
        color = arm_color(i)
        px, py = _finite(xs, curve["mean"], log_x, log_y)
        if not px:
            continue
        if band:  # first, so the mean and its dots stay on top
            for edge in ("min", "max"):
                bx, by = _finite(xs, curve[edge], log_x, log_y)
                plt.plot(bx, by, marker=marker, color=color)
        suffix = f" (mean of {len(summary['seeds'])} seeds)" if band else ""
        plt.plot(px, py, marker=marker, color=color, label=labels.get(name, name) + suffix)
        plt.scatter(px, py, marker="●", color=color)  # the measured points, not just the line
        drew = True
    if drew:
        for v in summary.get("vlines", []):
            if not log_x or v > 0:
                plt.vertical_line(float(v), color=OVERLAY_COLOR)
    # plotext cannot build an empty log-scale plot: stay linear until a point is drawn
    plt.xscale("log" if log_x and drew else "linear")
    plt.yscale("log" if log_y and drew else "linear")
    if log_y and drew:
        plt.yticks(*_decade_ticks(summary))


def _decade_ticks(summary: dict[str, Any]) -> tuple[list[float], list[str]]:
    """'1e-5'-style labels at whole decades (plotext's own print 18 digits)."""
    values = [
        v
        for curve in summary["curves"].values()
        for edge in ("mean", "min", "max")
        for v in curve[edge]
        if v is not None and v > 0 and math.isfinite(v)
    ]
    # only decades inside the data: plotext writes an outside tick over the x labels
    lo, hi = math.ceil(math.log10(min(values))), math.floor(math.log10(max(values)))
    if lo > hi:
        lo = hi = round(math.log10(min(values)))
    stride = max(1, math.ceil((hi - lo) / 6))
    decades = list(range(lo, hi + 1, stride))
    return [10.0**d for d in decades], [f"1e{d}" for d in decades]
