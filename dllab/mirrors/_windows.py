"""One Visdom window per lesson chart: turns metric points into Visdom messages.

No I/O here: a window buffers the points it has not sent yet and builds the
JSON message that sends them all in one request. `dllab.charts` draws the same
specs in the terminal; titles, legends (arm names, plus the metric when a chart
has several) and axis labels follow it.

Every window is re-sent whole (`/events` replaces it): the server takes that
for a few ms, where an append (`/update`) costs it a deep copy and a JSON diff
of the whole window (measured on 0.2.4: 72 vs 3 ms of server CPU for 4 traces
of 600 points, 232 vs 6 ms at 3,000). A line or xy window that grows past
`REPLACE_LIMIT` values switches to appends (every trace in one message, empty
lists for traces with nothing new) so the mirror need not keep it all.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from dllab.charts import ARM_COLORS, EMA_ALPHA, codes_to_text
from dllab.curriculum.model import ChartKind, ChartSpec, pick
from dllab.engine.events import MetricPoint
from dllab.heatcells import heat_grid

REPLACE_LIMIT = 100_000
"""Values a line/xy window keeps and re-sends whole; beyond it, new values are appended."""

Message = tuple[str, dict[str, Any]]
"""(endpoint, JSON body) of one request."""

PLOTLY_COLORS = {
    "cyan": "#17becf",
    "orange": "#ff7f0e",
    "magenta": "#e377c2",
    "green": "#2ca02c",
    "red": "#d62728",
    "blue": "#1f77b4",
    "yellow": "#bcbd22",
    "white": "#7f7f7f",
}
"""The terminal's arm colours as plotly colours (white would vanish on Visdom's page)."""


def _color(index: int) -> str:
    return PLOTLY_COLORS[ARM_COLORS[index % len(ARM_COLORS)]]


def _json_value(value: float) -> float | None:
    """NaN/inf cannot travel as JSON: null (a gap), as in the JSON metric stream."""
    return value if math.isfinite(value) else None


def _layout(title: str, xlabel: str, ylabel: str = "", log_y: bool = False) -> dict[str, Any]:
    yaxis: dict[str, Any] = {"type": "log" if log_y else "linear"}
    if ylabel:
        yaxis["title"] = ylabel
    return {
        "title": title,
        "showlegend": True,
        "margin": {"l": 60, "r": 60, "t": 60, "b": 60},
        "xaxis": {"title": xlabel},
        "yaxis": yaxis,
    }


class ChartWindow:
    """Base: a window id, its layout, and the points not yet sent."""

    def __init__(self, spec: ChartSpec, arms: Sequence[str], lang: str) -> None:
        self.appends = False
        """True: pending points are appended (`/update`); False: the window is re-sent whole."""
        self.spec = spec
        self.win = spec.id
        self.arms = list(arms)
        self.title = pick(spec.title, lang)
        self.ylabel = pick(spec.ylabel, lang) if spec.ylabel else ""
        self.dirty = False

    def shows(self, name: str) -> bool:
        """Does this chart draw the metric `name`?"""
        raise NotImplementedError

    def add(self, point: MetricPoint) -> int:
        """Take one point if this chart shows it; return how many values it buffered."""
        raise NotImplementedError

    def layout(self) -> dict[str, Any]:
        """The plotly layout (title and axis labels as in the terminal)."""
        raise NotImplementedError

    def traces(self) -> list[dict[str, Any]]:
        """The traces to send: everything, or in append mode what is pending (maybe nothing)."""
        raise NotImplementedError

    def sent(self) -> None:
        """The pending data reached the server: forget it."""
        self.dirty = False

    def message(self, env: str, create: bool) -> Message:
        """The one request that sends everything pending (`create`: a new window)."""
        body: dict[str, Any] = {
            "data": self.traces(),
            "win": self.win,
            "eid": env,
            "layout": self.layout(),
            "opts": {"title": self.title},
        }
        if create or not self.appends:
            return "events", body
        # no "name": every trace of the window at once; "append" also (re)creates a lost window
        body["append"] = True
        return "update", body


class _Trace:
    """One series: its x and y values, and how many of them the server has."""

    __slots__ = ("name", "sent", "style", "xs", "ys")

    def __init__(self, name: str, style: dict[str, Any]) -> None:
        self.name = name
        self.style = style
        self.xs: list[float] = []
        self.ys: list[float | None] = []
        self.sent = 0

    def json(self, whole: bool) -> dict[str, Any]:
        start = 0 if whole else self.sent
        xy = {"x": self.xs[start:], "y": self.ys[start:]}
        return {**xy, "name": self.name, "type": "scatter", **self.style}

    def mark_sent(self, keep: bool) -> None:
        if keep:
            self.sent = len(self.xs)
        else:  # append mode: the server has them, the mirror need not
            self.xs, self.ys, self.sent = [], [], 0


class _SeriesWindow(ChartWindow):
    """Line and xy windows: traces that grow step by step."""

    def __init__(self, spec: ChartSpec, arms: Sequence[str], lang: str) -> None:
        super().__init__(spec, arms, lang)
        self._traces: list[_Trace] = []
        self.values = 0

    def traces(self) -> list[dict[str, Any]]:
        return [t.json(whole=not self.appends) for t in self._traces]

    def sent(self) -> None:
        super().sent()
        if self.values > REPLACE_LIMIT:
            self.appends = True
        for t in self._traces:
            t.mark_sent(keep=not self.appends)


class LineWindow(_SeriesWindow):
    """Metrics against step: one trace per arm (and metric), plus an EMA trace if `smooth`."""

    def __init__(self, spec: ChartSpec, arms: Sequence[str], lang: str) -> None:
        super().__init__(spec, arms, lang)
        many = len(spec.metrics) > 1
        self._index: dict[tuple[str, str], int] = {}
        self._ema: dict[tuple[str, str], float] = {}
        for i, arm in enumerate(self.arms):
            for j, metric in enumerate(spec.metrics):
                name = arm + (f" {metric}" if many else "")
                color = _color(i * len(spec.metrics) + j if many else i)
                self._index[(arm, metric)] = len(self._traces)
                self._traces.append(_Trace(name, {"mode": "lines", "line": {"color": color}}))
                if spec.smooth:
                    style = {"mode": "lines", "line": {"color": color, "width": 3}}
                    self._traces.append(_Trace(f"{name} (EMA)", style))

    def shows(self, name: str) -> bool:
        return name in self.spec.metrics

    def add(self, point: MetricPoint) -> int:
        index = self._index.get((point.arm, point.name))
        if index is None:
            return 0
        trace = self._traces[index]
        trace.xs.append(point.step)
        trace.ys.append(_json_value(point.value))
        self.dirty = True
        self.values += 1
        if not self.spec.smooth:
            return 1
        # the same EMA as the terminal's (dllab.charts.ema), point by point
        key = (point.arm, point.name)
        acc = self._ema.get(key, math.nan)
        if math.isfinite(point.value):
            acc = point.value if not math.isfinite(acc) else acc + EMA_ALPHA * (point.value - acc)
            self._ema[key] = acc
        ema = self._traces[index + 1]
        ema.xs.append(point.step)
        ema.ys.append(_json_value(acc))
        self.values += 1
        return 2

    def layout(self) -> dict[str, Any]:
        layout = _layout(self.title, "step", self.ylabel, self.spec.log_y)
        if self.spec.hline is not None:  # a shape, not a trace: traces must stay one per series
            layout["shapes"] = [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": self.spec.hline,
                    "y1": self.spec.hline,
                    "line": {"color": "gray", "dash": "dot"},
                }
            ]
        return layout


class XYWindow(_SeriesWindow):
    """A trajectory: metric `x` against metric `y`, one line per arm, plus the fixed marks."""

    def __init__(self, spec: ChartSpec, arms: Sequence[str], lang: str) -> None:
        super().__init__(spec, arms, lang)
        self._traces = [
            _Trace(arm, {"mode": "lines+markers", "line": {"color": _color(i)}})
            for i, arm in enumerate(self.arms)
        ]
        self._marks = _Trace("marks", {"mode": "markers", "marker": {"symbol": "x", "size": 10}})
        self._creating = False
        self._half: dict[tuple[str, int], dict[str, float]] = {}

    def shows(self, name: str) -> bool:
        return name in (self.spec.x, self.spec.y)

    def add(self, point: MetricPoint) -> int:
        if point.name not in (self.spec.x, self.spec.y) or point.arm not in self.arms:
            return 0
        pair = self._half.setdefault((point.arm, point.step), {})
        pair[point.name] = point.value
        if len(pair) < 2 and self.spec.x != self.spec.y:
            return 0
        del self._half[(point.arm, point.step)]
        x, y = pair[self.spec.x], pair[self.spec.y]
        if not (math.isfinite(x) and math.isfinite(y)):
            return 0
        trace = self._traces[self.arms.index(point.arm)]
        trace.xs.append(x)
        trace.ys.append(y)
        self.dirty = True
        self.values += 1
        return 1

    def layout(self) -> dict[str, Any]:
        return _layout(self.title, self.spec.x, self.spec.y)

    def message(self, env: str, create: bool) -> Message:
        # the fixed marks go with every message that (re)creates the window
        self._creating = create or not self.appends
        return super().message(env, create)

    def traces(self) -> list[dict[str, Any]]:
        marks = self._marks.json(whole=True)
        if self._creating:
            marks.update(x=[m[0] for m in self.spec.marks], y=[m[1] for m in self.spec.marks])
        return [*super().traces(), marks]


class _LayerWindow(ChartWindow):
    """Per-layer values (`prefix<layer>`) of each arm; the whole window is re-sent."""

    def __init__(self, spec: ChartSpec, arms: Sequence[str], lang: str) -> None:
        super().__init__(spec, arms, lang)
        self.values: dict[str, dict[str, float]] = {arm: {} for arm in self.arms}
        self.layers: list[str] = []

    def shows(self, name: str) -> bool:
        return name.startswith(self.spec.prefix)

    def add(self, point: MetricPoint) -> int:
        if not point.name.startswith(self.spec.prefix) or point.arm not in self.values:
            return 0
        layer = point.name[len(self.spec.prefix) :]
        values = self.values[point.arm]
        if self.spec.kind is ChartKind.BARS and self.spec.at == "first" and layer in values:
            return 0
        if layer not in self.layers:
            self.layers.append(layer)
        values[layer] = point.value
        self.dirty = True
        return 0  # a value per layer, replaced in place: nothing piles up

    def row(self, arm: str, layers: Sequence[str]) -> list[float | None]:
        return [_json_value(self.values[arm].get(layer, math.nan)) for layer in layers]


class BarsWindow(_LayerWindow):
    """Grouped bars: one bar per layer and arm, the first or last value of each series."""

    def layout(self) -> dict[str, Any]:
        layout = _layout(self.title, "layer", self.ylabel, self.spec.log_y)
        layout["barmode"] = "group"
        return layout

    def traces(self) -> list[dict[str, Any]]:
        return [
            {
                "x": list(self.layers),
                "y": self.row(arm, self.layers),
                "name": arm,
                "type": "bar",
                "marker": {"color": _color(i)},
            }
            for i, arm in enumerate(self.arms)
            if self.values[arm]
        ]


class HeatWindow(_LayerWindow):
    """A heat map: a strip is one row per arm, one column per `prefix<i>`; a 2-D map
    (`prefix<r>,<c>`, a k×k kernel) is one k×k block per arm, side by side (last values)."""

    def _maps(self) -> dict[str, list[list[float]]]:
        """Each arm's 2-D map, or {} when the chart is a strip."""
        if not any("," in layer for layer in self.layers):
            return {}
        return {arm: heat_grid(self.values[arm], "") for arm in self.arms if self.values[arm]}

    def layout(self) -> dict[str, Any]:
        layout = _layout(self.title, self.spec.prefix.rstrip("/_") or "index")
        if self._maps():
            layout["yaxis"] = {"autorange": "reversed", "title": "row"}  # row 1 on top
        return layout

    def traces(self) -> list[dict[str, Any]]:
        maps = self._maps()
        if maps:
            return [self._map_trace(maps)]
        layers = sorted(self.layers, key=lambda n: (len(n), n))
        arms = [arm for arm in self.arms if self.values[arm]]
        return [
            {
                "z": [self.row(arm, layers) for arm in arms],
                "x": layers,
                "y": arms,
                "type": "heatmap",
                "colorscale": "Viridis",
            }
        ]

    @staticmethod
    def _map_trace(maps: dict[str, list[list[float]]]) -> dict[str, Any]:
        rows = max(len(grid) for grid in maps.values())
        cols = max(len(grid[0]) for grid in maps.values())
        z: list[list[float | None]] = [[] for _ in range(rows)]
        x: list[str] = []
        for i, (arm, grid) in enumerate(maps.items()):
            if i:  # an empty column between two arms' maps
                x.append(" " * i)
                for line in z:
                    line.append(None)
            x += [f"{arm} {c + 1}" for c in range(cols)]
            for r in range(rows):
                row = grid[r] if r < len(grid) else []
                z[r] += [_json_value(row[c]) if c < len(row) else None for c in range(cols)]
        finite = [v for line in z for v in line if v is not None]
        trace: dict[str, Any] = {
            "z": z,
            "x": x,
            "y": [str(r + 1) for r in range(rows)],
            "type": "heatmap",
            "colorscale": "Viridis",
        }
        if finite and min(finite) < 0 < max(finite):  # signed (kernel weights): red +, blue −
            trace.update(colorscale="RdBu", reversescale=True, zmid=0)
        return trace


class TextWindow(_LayerWindow):
    """A text pane: each arm's `prefix<i>` character codes at their last values (a generated sample)."""

    def text(self) -> str:
        parts = []
        for arm in self.arms:
            values = self.values[arm]
            text = codes_to_text([values.get(str(i), math.nan) for i in range(len(values))])
            if text:
                parts.append(f"<b>{html.escape(arm)}</b><pre>{html.escape(text)}</pre>")
        return "".join(parts)

    def layout(self) -> dict[str, Any]:
        return {}

    def traces(self) -> list[dict[str, Any]]:
        return [{"content": self.text(), "type": "text"}]

    def message(self, env: str, create: bool) -> Message:
        body = {"data": self.traces(), "win": self.win, "eid": env, "opts": {"title": self.title}}
        return "events", body


_KINDS: dict[ChartKind, type[ChartWindow]] = {
    ChartKind.LINE: LineWindow,
    ChartKind.XY: XYWindow,
    ChartKind.BARS: BarsWindow,
    ChartKind.HEAT: HeatWindow,
    ChartKind.TEXT: TextWindow,
}


def chart_windows(
    charts: Sequence[ChartSpec], arms: Sequence[str], lang: str = "en"
) -> list[ChartWindow]:
    """One window per chart of a lesson, for these arms."""
    return [_KINDS[spec.kind](spec, arms, lang) for spec in charts]
