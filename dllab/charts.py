"""Draw a lesson's chart specs with plotext, for the terminal CLI and the lab alike.

Only drawing lives here: the data comes from a `RunHistory`, the layout from a
`ChartSpec`. `plt` is anything with plotext's figure API — the `plotext`
module itself (for `dllab run` on a terminal) or a textual-plotext widget's
`.plt` (in the lab). No torch, no textual.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from dllab.curriculum.model import ChartKind, ChartSpec, pick
from dllab.engine.history import RunHistory
from dllab.heatcells import (
    HEAT_NEGATIVE,
    HEAT_POSITIVE,
    HEAT_SEQUENTIAL,
    HEAT_SHADES,
    HeatScale,
    heat_grid,
    heat_scale,
)
from dllab.logscale import decade_label, log_bars

ARM_COLORS = ("cyan", "orange", "magenta", "green", "red", "blue", "yellow", "white")
"""One colour per arm, in arm order (named colours survive any terminal colour depth)."""

OVERLAY_COLOR = "gray"
"""The previous run, drawn faded behind the current one."""


ARM_MARKERS = ("*", "+", "o", "x", "#", "%", "@", "=")
"""One marker per series when markers are plain characters or colour is off, so
that arms stay apart on a terminal without colour (NO_COLOR) or braille (TERM=linux)."""

OVERLAY_MARKER = "."
"""The previous run's marker when each series has its own character."""

ANSI_CODES = {
    "black": 0,
    "red": 1,
    "green": 2,
    "orange": 3,
    "yellow": 3,
    "blue": 4,
    "magenta": 5,
    "cyan": 6,
    "gray": 8,
    "white": 15,
}
"""plotext's colour names as the 16 ANSI colours it draws them with (for legends)."""


def arm_color(index: int) -> str:
    """The colour of the index-th arm."""
    return ARM_COLORS[index % len(ARM_COLORS)]


@dataclass(frozen=True)
class LegendEntry:
    """One named series on a chart: the legend is drawn outside the plot, never over the data."""

    name: str
    color: str
    """A plotext colour name (`ANSI_CODES` maps it for rich)."""
    marker: str
    """The marker it is drawn with: 'braille' or one character."""

    def swatch(self) -> str:
        """Cells that look like the series: a line for braille, a marker twice, a ramp as is."""
        if self.marker == "braille":
            return "━━"
        return self.marker * 2 if len(self.marker) == 1 else self.marker


def legend_text(entries: Sequence[LegendEntry], colors: bool = True) -> Text:
    """`━━ name` per series, two spaces apart (wraps between entries only)."""
    text = Text()
    for i, entry in enumerate(entries):
        if i:
            text.append("  ")
        style = f"color({ANSI_CODES.get(entry.color, 7)})" if colors else ""
        text.append(entry.swatch(), style=style)
        text.append("\u00a0" + entry.name.replace(" ", "\u00a0"))
    return text


class Markers:
    """Hands out the marker of each series: the lab's marker, or one character per series."""

    def __init__(self, marker: str, colors: bool) -> None:
        self.marker = marker
        self.distinct = marker != "braille" or not colors
        self.used = 0

    def next(self) -> str:
        """The next series' marker."""
        if not self.distinct:
            return self.marker
        marker = ARM_MARKERS[self.used % len(ARM_MARKERS)]
        self.used += 1
        return marker

    @property
    def faint(self) -> str:
        """The marker of background series (the previous run, raw points under an EMA)."""
        return OVERLAY_MARKER if self.distinct else self.marker


EMA_ALPHA = 0.1
"""Weight of the newest point in the smoothed curve (terminal and Visdom alike)."""


def ema(values: Sequence[float], alpha: float = EMA_ALPHA) -> list[float]:
    """Exponential moving average (NaN-tolerant), for the smoothed loss curve."""
    out: list[float] = []
    acc = math.nan
    for v in values:
        if math.isfinite(v):
            acc = v if not math.isfinite(acc) else acc + alpha * (v - acc)
        out.append(acc)
    return out


def log_ticks(lo: float, hi: float, max_ticks: int = 6) -> tuple[list[float], list[str]]:
    """Ticks for a log axis over [lo, hi] (both > 0): few, short, powers of ten.

    plotext labels a log axis with fixed-point numbers (`0.00000000000000` at
    1e-14), which are unreadable and squeeze the plot to half its width. Over
    two decades or more the ticks are powers of ten (at most `max_ticks`);
    within about a decade, 1, 2 and 5 times a power of ten; on a narrower range,
    its two ends to two digits.
    """
    eps = 1e-9
    lo_k = math.ceil(math.log10(lo) - eps)
    hi_k = math.floor(math.log10(hi) + eps)
    if hi_k - lo_k >= 1:
        stride = max(1, math.ceil((hi_k - lo_k) / max(1, max_ticks - 1)))
        decades = list(range(hi_k, lo_k - 1, -stride))[::-1]
        return [10.0**k for k in decades], [decade_label(k) for k in decades]
    values = [
        m * 10.0**k
        for k in range(lo_k - 1, hi_k + 1)
        for m in (1, 2, 5)
        if lo * (1 - eps) <= m * 10.0**k <= hi * (1 + eps)
    ]
    if len(values) < 2:
        values = sorted({float(f"{lo:.2g}"), float(f"{hi:.2g}")})
    return values, [f"{v:g}" for v in values]


SHORT_TICK_CHARS = 7
"""A linear axis whose labels plotext would write longer than this gets short ones (`7.2e9`)."""


def short_number(value: float, step: float, exponent: bool) -> str:
    """`value` as a tick label on an axis whose ticks are `step` apart: at most ~7 characters.

    With `exponent` it reads in the log axis's notation (`7.2e9`, `5e-4`), with as
    many mantissa digits as tell the ticks apart; else as a decimal.
    """
    step_k = math.floor(math.log10(step) + 1e-9)
    if value == 0:
        return "0"
    if not exponent:
        return f"{value:.{max(0, -step_k)}f}"
    k = math.floor(math.log10(abs(value)) + 1e-9)
    mantissa = f"{value / 10.0**k:.{max(0, k - step_k)}f}"
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{k}"


def _plotext_width(lo: float, hi: float) -> int:
    """About how wide plotext writes its own labels over [lo, hi]: every integer digit and
    enough decimals to tell its 7 ticks apart (`_utility.get_labels`)."""
    decimals = max(1, math.ceil(-math.log10(2 * (hi - lo) / 6)) + 1)
    return max(len(f"{v:.{decimals}f}") for v in (lo, hi))


def linear_ticks(lo: float, hi: float, max_ticks: int = 6) -> tuple[list[float], list[str]] | None:
    """Short ticks for a linear axis over [lo, hi], or None when plotext's own are short.

    plotext labels a linear axis with every digit (`7184496128.0` on a loss that
    diverged), which squeezes the plot at 80 columns. Here the ticks are 1, 2 or
    5 times a power of ten apart, labelled by `short_number`: all of them as
    powers of ten (`2e9`, `1.5e9`) when the largest is 1e5 or more, or all under 1e-3.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return None
    if _plotext_width(lo, hi) <= SHORT_TICK_CHARS:
        return None
    raw = (hi - lo) / max(1, max_ticks - 1)
    k = math.floor(math.log10(raw))
    step = min(
        (m * 10.0**k for m in (1, 2, 5, 10)), key=lambda s: abs(math.log10(s) - math.log10(raw))
    )
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    values = [i * step for i in range(first, last + 1)]
    if len(values) < 2:
        return None
    top = max(abs(v) for v in values)
    exponent = top >= 1e5 or top < 1e-3
    return values, [short_number(v, step, exponent) for v in values]


@dataclass
class YAxis:
    """How the last drawing labelled its y axis (for a caller that reuses the figure)."""

    short: bool = False
    """The ticks were set by `linear_ticks` (plotext keeps them after `clear_data`)."""


def set_y_ticks(plt: Any, drawn: Sequence[float], log: bool, axis: YAxis | None = None) -> None:
    """Label the y axis over the values drawn: decades on a log axis, short linear labels
    when plotext's would be long, else plotext's own."""
    short = False
    if drawn and log:
        plt.yticks(*log_ticks(min(drawn), max(drawn)))
    elif drawn:
        ticks = linear_ticks(min(drawn), max(drawn))
        if ticks is not None:
            plt.yticks(*ticks)
            short = True
    if axis is not None:
        axis.short = short


def _finite_xy(points: Sequence[tuple[int, float]], log_y: bool) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for x, y in points:
        if math.isfinite(y) and (not log_y or y > 0):
            xs.append(x)
            ys.append(y)
    return xs, ys


def draw_chart(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    *,
    lang: str = "en",
    width: int = 80,
    marker: str = "braille",
    overlay: RunHistory | None = None,
    labels: dict[str, str] | None = None,
    guides: Sequence[tuple[float, str]] = (),
    colors: bool = True,
    overlay_label: str = "previous run",
    title: bool = True,
    height: int = 0,
    axis: YAxis | None = None,
) -> list[LegendEntry]:
    """Draw one chart into `plt` (the caller builds or refreshes it); return its legend.

    `guides` are (y, label) reference lines: the learner's guesses for this chart.
    Nothing is labelled inside the plot (plotext's legend covers the first
    points and miscounts wide characters): the caller draws the returned entries
    beside it. With `colors=False`, or a marker other than braille, each series
    gets its own character. `title=False` leaves the title to the caller (the
    lab centres it by terminal cells; plotext counts a Chinese character as one).
    `width` and `height` (0: unknown) are the plot's size in terminal cells (the
    height with its frame and x axis). `axis`, when given, records how the y axis
    was labelled (a caller that reuses the figure must clear it after short ticks).
    """
    plt.clear_data()
    plt.title(pick(spec.title, lang) if title else "")
    max_points = max(20, 2 * width)  # braille has two dots per column: more adds nothing
    labels = labels or {}
    markers = Markers(marker, colors)
    legend: list[LegendEntry] = []
    if spec.kind is ChartKind.LINE:
        legend += _draw_lines(
            plt, spec, history, arms, max_points, markers, overlay, labels, overlay_label, axis
        )
        legend += _draw_guides(plt, spec, history, arms, guides, width)
    elif spec.kind is ChartKind.BARS:
        legend += _draw_bars(plt, spec, history, arms, labels, markers)
    elif spec.kind is ChartKind.XY:
        legend += _draw_xy(plt, spec, history, arms, markers, labels)
    elif spec.kind is ChartKind.TEXT:
        frame = 2 + (1 if title else 0)  # the box, and the title row when plotext draws it
        rows = height - frame if height > frame else 0
        legend += _draw_text(plt, spec, history, arms, labels, width, rows)
    else:
        legend += _draw_heat(plt, spec, history, arms, labels, width, height)
    return legend


def _draw_lines(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    max_points: int,
    markers: Markers,
    overlay: RunHistory | None,
    labels: dict[str, str],
    overlay_label: str,
    axis: YAxis | None,
) -> list[LegendEntry]:
    plt.xlabel("step")
    many = len(spec.metrics) > 1
    legend: list[LegendEntry] = []
    drew = drew_overlay = False
    drawn: list[float] = []
    """Every y drawn, for the log axis's ticks."""
    if overlay is not None:
        for arm in arms:
            for metric in spec.metrics:
                xs, ys = _finite_xy(overlay.points(arm, metric, max_points), spec.log_y)
                if xs:
                    plt.plot(xs, ys, marker=markers.faint, color=OVERLAY_COLOR)
                    drawn += ys
                    drew_overlay = True
    if drew_overlay:
        legend.append(LegendEntry(overlay_label, OVERLAY_COLOR, markers.faint))
    for i, arm in enumerate(arms):
        for j, metric in enumerate(spec.metrics):
            xs, ys = _finite_xy(history.points(arm, metric, max_points), spec.log_y)
            if not xs:
                continue
            name = labels.get(arm, arm) + (f" {metric}" if many else "")
            color = arm_color(i) if not many else arm_color(i * len(spec.metrics) + j)
            marker = markers.next()
            if spec.smooth and len(ys) > 4:
                plt.plot(xs, ys, marker=markers.faint, color=color)  # raw; the EMA is named
                plt.plot(xs, ema(ys), marker=marker, color=color)
                legend.append(LegendEntry(name, color, marker))
            else:
                plt.plot(xs, ys, marker=marker, color=color)
                legend.append(LegendEntry(name, color, marker))
            drawn += ys
            drew = True
    if spec.hline is not None and drew:
        plt.horizontal_line(spec.hline, color="gray")
    if spec.mark_min and drew:
        for i, arm in enumerate(arms):
            best = _argmin_step(history.points(arm, spec.mark_min, 100_000))
            if best is not None:
                plt.vertical_line(best, color=arm_color(i if not many else i * len(spec.metrics)))
    # plotext crashes building an empty log-scale plot: stay linear until there is data
    log = spec.log_y and (drew or drew_overlay)
    plt.yscale("log" if log else "linear")
    set_y_ticks(plt, drawn, log, axis)
    return legend


GUIDE_COLOR = "blue"
"""The learner's guess: a dashed line in a colour no arm starts with."""


def _draw_guides(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    guides: Sequence[tuple[float, str]],
    width: int,
) -> list[LegendEntry]:
    """Each guess as a dashed horizontal line across the steps drawn so far.

    plotext has no dashed style: a scatter of one dash every third column reads
    as one, and keeps the guess apart from the solid `hline` of the spec.
    """
    last = 1
    for arm in arms:
        for metric in spec.metrics:
            series = history.series(arm, metric)
            if series is not None and series.last is not None:
                last = max(last, series.last[0])
    n = max(4, width // 3)
    xs = [last * i / n for i in range(n + 1)]
    legend = []
    for y, label in guides:
        if not math.isfinite(y) or (spec.log_y and y <= 0):
            continue
        plt.scatter(xs, [y] * len(xs), marker="─", color=GUIDE_COLOR)
        legend.append(LegendEntry(label, GUIDE_COLOR, "─"))
    return legend


def _argmin_step(points: Sequence[tuple[int, float]]) -> int | None:
    """The step of the lowest finite value (the first one on a tie), or None."""
    finite = [(v, x) for x, v in points if math.isfinite(v)]
    return min(finite)[1] if finite else None


def _layer_series(history: RunHistory, arm: str, prefix: str) -> list[str]:
    return [n for n in history.names(arm) if n.startswith(prefix)]


def _draw_bars(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    labels: dict[str, str],
    markers: Markers,
) -> list[LegendEntry]:
    names: list[str] = []
    for arm in arms:
        for n in _layer_series(history, arm, spec.prefix):
            if n not in names:
                names.append(n)
    if not names:
        return []
    layer_labels = [n[len(spec.prefix) :] for n in names]
    raw: list[list[float]] = []
    arm_labels = []
    for arm in arms:
        values = []
        for n in names:
            series = history.series(arm, n)
            point = (
                None if series is None else (series.first if spec.at == "first" else series.last)
            )
            values.append(point[1] if point else math.nan)
        raw.append(values)
        arm_labels.append(labels.get(arm, arm))
    colors = [arm_color(i) for i in range(len(arms))]
    if spec.log_y:
        groups, ticks = log_bars(raw)
    else:
        groups, ticks = [[v if math.isfinite(v) else 0.0 for v in row] for row in raw], None
    if markers.distinct:  # each arm's bars filled with its own character
        bar_markers = [markers.next() for _ in arms]
        plt.multiple_bar(layer_labels, groups, color=colors, marker=bar_markers)
    else:
        bar_markers = ["█"] * len(arms)
        plt.multiple_bar(layer_labels, groups, color=colors)
    plt.xlabel("layer")
    if ticks is not None:
        plt.yticks(*ticks)
    return [
        LegendEntry(name, color, marker)
        for name, color, marker in zip(arm_labels, colors, bar_markers, strict=True)
    ]


def _draw_xy(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    markers: Markers,
    labels: dict[str, str],
) -> list[LegendEntry]:
    plt.xlabel(spec.x)
    legend = []
    plt.ylabel(spec.y)
    for i, arm in enumerate(arms):
        xs = [v for _, v in history.points(arm, spec.x, 10_000)]
        ys = [v for _, v in history.points(arm, spec.y, 10_000)]
        pairs = [
            (a, b) for a, b in zip(xs, ys, strict=False) if math.isfinite(a) and math.isfinite(b)
        ]
        if pairs:
            marker = markers.next()
            plt.plot(
                [a for a, _ in pairs], [b for _, b in pairs], marker=marker, color=arm_color(i)
            )
            legend.append(LegendEntry(labels.get(arm, arm), arm_color(i), marker))
    if spec.marks:
        plt.scatter(
            [m[0] for m in spec.marks], [m[1] for m in spec.marks], marker="x", color="white"
        )
    return legend


def _cell_label(value: float, room: int) -> str:
    """The value as text that fits `room` characters (a space to spare), or ''."""
    for text in (f"{value:+.2f}", f"{value:+.2f}".replace("0.", ".", 1), f"{value:+.1f}"):
        if len(text) < room:
            return text
    return ""


def _short(label: str, room: int) -> str:
    """`label` cut to `room` terminal cells (a Chinese character takes two)."""
    if cell_len(label) <= room:
        return label
    return set_cell_size(label, max(1, room - 1)).rstrip() + "…"


def _draw_heat(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    labels: dict[str, str],
    width: int,
    height: int,
) -> list[LegendEntry]:
    """Each arm's cells filled with shade characters (and coloured), numbers where they fit.

    A strip (attention over positions) is one row per arm, the first arm on top; a
    2-D map (a kernel) is one k×k block per arm, side by side. Cell (r, c) of a block
    covers [c, c+1) × [r, r+1) in plot units, filled by a scatter dense enough to hit
    every terminal cell (plotext has no filled rectangle that survives without colour).
    """
    grids = [
        (arm, grid) for arm in arms if (grid := heat_grid(history.last_values(arm), spec.prefix))
    ]
    scale = heat_scale([v for _, grid in grids for row in grid for v in row])
    if scale is None:
        return []
    strips = not any("," in n for arm, _ in grids for n in _layer_series(history, arm, spec.prefix))
    cols = max(len(grid[0]) for _, grid in grids)
    rows = max(len(grid) for _, grid in grids)
    blocks = [  # (arm, grid, x0, y0) in plot units
        (arm, grid, 0, len(grids) - 1 - i) if strips else (arm, grid, i * (cols + 1), 0)
        for i, (arm, grid) in enumerate(grids)
    ]
    span_x = cols if strips else len(grids) * (cols + 1) - 1
    span_y = len(grids) if strips else rows
    chars = width / span_x
    """Terminal columns per plot unit (about: the y-axis labels take a few)."""
    per_x = max(1, math.ceil(1.6 * chars))
    lines = (height - 3 if height > 3 else 48) / span_y
    """Terminal lines per plot unit (the frame and the x axis take 3; unknown: ~48 in all)."""
    per_y = max(2, math.ceil(1.6 * lines))
    # Only the middle of each cell is filled: a terminal line or column that two cells
    # would share stays blank, so neighbours never mix and the cells read as a grid
    # (in x only where a cell is a few columns wide: a strip's cells may be under one).
    margin_x = 0.15 if chars >= 3 else 0.0
    margin_y = 0.25 if lines >= 3 else 0.0  # fewer lines: each is needed, numbers and all
    fills: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for _, grid, x0, y0 in blocks:
        for r, row in enumerate(grid):
            y_base = y0 + len(grid) - 1 - r  # row 1 on top
            for c, value in enumerate(row):
                if not math.isfinite(value):
                    continue
                xs, ys = fills.setdefault((scale.shade(value), scale.color(value)), ([], []))
                for i in range(per_x):
                    for j in range(per_y):
                        xs.append(x0 + c + margin_x + (1 - 2 * margin_x) * (i + 0.5) / per_x)
                        ys.append(y_base + margin_y + (1 - 2 * margin_y) * (j + 0.5) / per_y)
    for (shade, color), (xs, ys) in fills.items():
        plt.scatter(xs, ys, marker=shade, color=color)
    if not strips:
        for _, grid, x0, y0 in blocks:
            for r, row in enumerate(grid):
                for c, value in enumerate(row):
                    text = _cell_label(value, int(chars)) if math.isfinite(value) else ""
                    if text:
                        y = y0 + len(grid) - 1 - r + 0.5
                        plt.text(
                            text, x0 + c + 0.5, y, color=scale.color(value), alignment="center"
                        )
    plt.xlim(0, span_x)
    plt.ylim(0, span_y)
    if strips:
        names = [_short(labels.get(arm, arm), 12) for arm, *_ in blocks]
        plt.yticks([y0 + 0.5 for *_, y0 in blocks], names)
        marks = sorted({0, (cols - 1) // 2, cols - 1})
        plt.xticks([c + 0.5 for c in marks], [str(c + 1) for c in marks])
    else:
        room = int(cols * chars) - 1
        names = [_short(labels.get(arm, arm), room) for arm, *_ in blocks]
        plt.xticks([x0 + cols / 2 for _, _, x0, _ in blocks], names)
        plt.yticks([], [])
    return _heat_legend(scale)


def _heat_legend(scale: HeatScale) -> list[LegendEntry]:
    """What the shades and colours mean (the numbers in the cells need no key)."""
    ramp = "".join(HEAT_SHADES)
    if scale.signed:
        return [
            LegendEntry("> 0", HEAT_POSITIVE, "█"),
            LegendEntry("< 0", HEAT_NEGATIVE, "█"),
            LegendEntry(f"|value| 0 … {scale.hi:.2g}", "white", ramp),
        ]
    return [LegendEntry(f"{scale.lo:.2g} … {scale.hi:.2g}", HEAT_SEQUENTIAL, ramp)]


# -- sweeps: the outcome against the knob (reads `dllab.engine.sweep.summarize`) --
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
    colors: bool = True,
) -> list[LegendEntry]:
    """One chart: each curve's mean over seeds (dots at the measured points), with its
    min/max band as two thin lines of the same colour when seeds > 1; returns the legend
    (drawn beside the plot, as for `draw_chart`)."""
    plt.clear_data()
    title = str(summary["title"])
    # plotext drops a title wider than the plot instead of cutting it
    plt.title(title if len(title) <= width - 4 else title[: width - 5] + "…")
    plt.xlabel(str(summary["knob"]))
    log_x, log_y = bool(summary["log_x"]), bool(summary["log_y"])
    xs = [float(x) for x in summary["xs"]]
    band = len(summary["seeds"]) > 1
    labels = labels or {}
    markers = Markers(marker, colors)
    legend: list[LegendEntry] = []
    drew = False
    for i, (name, curve) in enumerate(summary["curves"].items()):
        color = arm_color(i)
        px, py = _finite(xs, curve["mean"], log_x, log_y)
        if not px:
            continue
        mark = markers.next()
        if band:  # first, so the mean and its dots stay on top
            for edge in ("min", "max"):
                bx, by = _finite(xs, curve[edge], log_x, log_y)
                plt.plot(bx, by, marker=markers.faint, color=color)
        suffix = f" (mean of {len(summary['seeds'])} seeds)" if band else ""
        plt.plot(px, py, marker=mark, color=color)
        plt.scatter(px, py, marker="●", color=color)  # the measured points, not just the line
        legend.append(LegendEntry(labels.get(name, name) + suffix, color, mark))
        drew = True
    if drew:
        for v in summary.get("vlines", []):
            if not log_x or v > 0:
                plt.vertical_line(float(v), color=OVERLAY_COLOR)
    # plotext cannot build an empty log-scale plot: stay linear until a point is drawn
    plt.xscale("log" if log_x and drew else "linear")
    plt.yscale("log" if log_y and drew else "linear")
    if drew:
        ys = [
            v
            for curve in summary["curves"].values()
            for edge in ("mean", "min", "max")
            for v in curve[edge]
            if v is not None and math.isfinite(v) and (v > 0 or not log_y)
        ]
        set_y_ticks(plt, ys, log_y)
    if log_x and drew:
        plt.xticks(*log_ticks(min(xs), max(xs)))
    return legend


# -- several recorded runs on the same axes (`dllab runs compare`) --
def draw_compare(
    plt: Any,
    title: str,
    metric: str,
    runs: Sequence[tuple[str, RunHistory, Sequence[str]]],
    *,
    width: int = 80,
    marker: str = "braille",
    colors: bool = True,
    log_y: bool = False,
) -> list[LegendEntry]:
    """One metric of several runs: a colour (or marker) per run and arm, stable in run order.

    `runs` are (label, history, arms); an arm is named only when a run has more than one.
    """
    plt.clear_data()
    plt.title(title)
    plt.xlabel("step")
    markers = Markers(marker, colors)
    legend: list[LegendEntry] = []
    drawn: list[float] = []
    index = 0
    for label, history, arms in runs:
        for arm in arms:
            xs, ys = _finite_xy(history.points(arm, metric, max(20, 2 * width)), log_y)
            if not xs:
                continue
            color, mark = arm_color(index), markers.next()
            index += 1
            plt.plot(xs, ys, marker=mark, color=color)
            legend.append(LegendEntry(f"{label} {arm}" if len(arms) > 1 else label, color, mark))
            drawn += ys
    plt.yscale("log" if log_y and drawn else "linear")
    set_y_ticks(plt, drawn, log_y)
    return legend


# -- the lab's runs panel: chosen runs of one arm, a baseline and a value cursor --
RUN_COLORS = ("cyan", "orange", "magenta", "green", "red", "blue", "yellow")
"""One colour per run slot in the runs panel (white is the baseline's)."""

RUN_MARKERS = ("*", "+", "o", "x", "%", "=", "~", "&")
"""One marker per run slot when colour or braille is off (`#` is the baseline's)."""

BASELINE_COLOR = "white"
BASELINE_MARKER = "#"
CURSOR_COLOR = "gray"


@dataclass(frozen=True)
class RunSeries:
    """One curve of the runs panel: a run's arm, named by what differed."""

    label: str
    history: RunHistory
    arm: str
    slot: int
    """The run's slot: it fixes its colour and marker while it stays chosen."""
    baseline: bool = False


def run_style(slot: int, baseline: bool, marker: str, colors: bool) -> tuple[str, str]:
    """(colour, marker) of a run's curve: from its slot, so adding or removing other runs
    never repaints it; the baseline in white, and with its own `#` when markers differ."""
    distinct = marker != "braille" or not colors
    if baseline:
        return BASELINE_COLOR, BASELINE_MARKER if distinct else marker
    color = RUN_COLORS[slot % len(RUN_COLORS)]
    return color, RUN_MARKERS[slot % len(RUN_MARKERS)] if distinct else marker


def draw_runs(
    plt: Any,
    metric: str,
    series: Sequence[RunSeries],
    *,
    width: int = 80,
    marker: str = "braille",
    colors: bool = True,
    log_y: bool = False,
    cursor: int | None = None,
    baseline_word: str = "baseline",
) -> list[LegendEntry]:
    """One metric of the chosen runs on the same axes, the baseline drawn last (on top),
    a vertical line at the cursor's step; returns the legend (the baseline first, named)."""
    plt.clear_data()
    plt.title("")
    plt.xlabel("step")
    legend: list[LegendEntry] = []
    drawn: list[float] = []
    ordered = sorted(series, key=lambda s: (s.baseline, s.slot))
    for s in ordered:
        xs, ys = _finite_xy(s.history.points(s.arm, metric, max(20, 2 * width)), log_y)
        if not xs:
            continue
        color, mark = run_style(s.slot, s.baseline, marker, colors)
        plt.plot(xs, ys, marker=mark, color=color)
        name = f"{baseline_word}: {s.label}" if s.baseline else s.label
        legend.insert(0 if s.baseline else len(legend), LegendEntry(name, color, mark))
        drawn += ys
    if cursor is not None and drawn:
        plt.vertical_line(cursor, color=CURSOR_COLOR)
    plt.yscale("log" if log_y and drawn else "linear")
    set_y_ticks(plt, drawn, log_y)
    return legend


# -- text charts: a generated sample per arm (character codes in `prefix<i>`) --
NEWLINE_MARK = "⏎"
"""A newline of the sample, drawn inline so that a few lines hold the whole of it."""


def codes_to_text(codes: Sequence[float]) -> str:
    """Character codes as text, up to the first that is not one (NaN, missing, out of range)."""
    chars = []
    for code in codes:
        if not math.isfinite(code) or not 0 <= code < 0x110000:
            break
        chars.append(chr(int(code)))
    return "".join(chars)


def chart_text(history: RunHistory, arm: str, prefix: str) -> str:
    """The text an arm's `prefix<i>` series spell with their last values (i = 0, 1, ...)."""
    values = history.last_values(arm)
    count = len(_layer_series(history, arm, prefix))
    return codes_to_text([values.get(f"{prefix}{i}", math.nan) for i in range(count)])


def _wrap(text: str, width: int) -> list[str]:
    flat = text.replace("\n", NEWLINE_MARK)
    return [flat[i : i + width] for i in range(0, len(flat), width)] or [""]


def _fit(texts: list[list[str]], rows: int) -> list[list[str]]:
    """Each text's lines cut so that all fit in `rows` (each keeps at least its first line);
    a cut text ends with "…"."""
    if sum(len(t) for t in texts) <= rows:
        return texts
    share = max(1, rows // max(1, len(texts)))
    return [t if len(t) <= share else [*t[: share - 1], t[share - 1][:-1] + "…"] for t in texts]


def _draw_text(
    plt: Any,
    spec: ChartSpec,
    history: RunHistory,
    arms: Sequence[str],
    labels: dict[str, str],
    width: int,
    rows: int,
) -> list[LegendEntry]:
    """Each arm's text, wrapped, its first line led by the arm's marker (named in the legend),
    from the top down; when the plot has fewer `rows` (0: unknown) than lines, each text is cut
    to its share."""
    shown: list[tuple[str, str, list[str]]] = []  # (arm, marker, lines)
    for i, arm in enumerate(arms):
        text = chart_text(history, arm, spec.prefix)
        if text:
            shown.append((arm, ARM_MARKERS[i % len(ARM_MARKERS)], _wrap(text, max(10, width - 4))))
    rows = rows or sum(len(lines) for *_, lines in shown)
    fitted = _fit([lines for *_, lines in shown], max(1, rows))
    legend: list[LegendEntry] = []
    row = 0
    for (arm, mark, _), lines in zip(shown, fitted, strict=True):
        color = arm_color(list(arms).index(arm))
        for j, part in enumerate(lines):
            line = (mark if j == 0 else " ") + " " + part
            plt.text(line, 0, rows - row, alignment="left", color=color)
            row += 1
        legend.append(LegendEntry(labels.get(arm, arm), color, mark))
    plt.xlim(0, 1)
    plt.ylim(0.5, max(1, rows) + 0.5)
    plt.xticks([])
    plt.yticks([])
    return legend
