"""`RunsChart`: the runs panel's chart, drawn by the shared `dllab.charts.draw_runs`.

Under the plot: the legend (what differed, the baseline first and named), then
the cursor's readout, every visible series' value at one step, each shown by
its legend swatch (and, once a baseline is pinned, how far each is from it). With focus, ←/→ move the cursor
(the screen's `[`/`]` do it from anywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from dllab.charts import ANSI_CODES, LegendEntry, RunSeries, draw_runs, run_style
from dllab.compare import value_at
from dllab.tui.i18n import tr


class _RunsPlot(PlotextPlot):
    """The plot area; its owner holds the series."""

    def __init__(self, owner: RunsChart) -> None:
        super().__init__(classes="plot")
        self.owner = owner
        self.legend: list[LegendEntry] = []

    def render(self) -> RenderResult:
        """Draw the series through `self.plt`, then let PlotextPlot size and build it."""
        owner = self.owner
        try:
            # a fresh figure: log ticks set for one metric must not label the next one's
            # linear axis (`clear_data` keeps ticks; size and theme are set again below)
            self.plt.clear_figure()
            self.legend = draw_runs(
                self.plt,
                owner.metric,
                owner.series,
                width=max(10, self.size.width - 8),  # minus the y-axis labels
                marker=owner.marker,
                colors=not self.app.no_color,
                log_y=owner.log_y,
                cursor=owner.cursor,
                baseline_word=tr("baseline", owner.lang),
            )
            return super().render()
        except Exception as exc:  # plotext edge cases must not kill the app
            return Text(f"{owner.metric}: cannot draw ({type(exc).__name__})")


class RunsChart(Widget, can_focus=True):
    """Chosen runs of one arm on the same axes, a legend, and the value cursor's readout."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "screen.move_cursor(-1)", "Step ←", show=False),
        Binding("right", "screen.move_cursor(1)", "Step →", show=False),
        Binding("shift+left", "screen.move_cursor(-10)", show=False),
        Binding("shift+right", "screen.move_cursor(10)", show=False),
    ]

    DEFAULT_CSS = """
    RunsChart { height: 1fr; min-height: 8; layout: vertical; }
    RunsChart > .title { height: 1; text-align: center; text-style: bold; }
    RunsChart > .title { text-wrap: nowrap; text-overflow: ellipsis; }
    RunsChart > .plot { height: 1fr; }
    RunsChart > .legend { height: auto; max-height: 3; text-align: center; }
    RunsChart > .readout { height: auto; max-height: 2; padding: 0 1; }
    RunsChart:focus > .readout { background: $boost; }
    """

    def __init__(self, *, marker: str = "braille", id: str | None = None) -> None:
        super().__init__(id=id)
        self.marker = marker
        self.metric = "loss"
        self.series: list[RunSeries] = []
        self.log_y = False
        self.cursor: int | None = None
        """The step the readout shows; None: each series' last value."""
        self.lang = "en"
        self.heading = Static(classes="title")
        self.plot = _RunsPlot(self)
        self.legend = Static(classes="legend")
        self.readout = Static(classes="readout")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.plot
        yield self.legend
        yield self.readout

    def show(
        self,
        title: str,
        metric: str,
        series: Sequence[RunSeries],
        *,
        log_y: bool,
        cursor: int | None,
        lang: str,
    ) -> None:
        """Draw these series (after any change of choice, baseline, cursor or language)."""
        self.metric, self.series, self.log_y = metric, list(series), log_y
        self.cursor, self.lang = cursor, lang
        self.heading.update(title)
        self.plot.render()  # builds the legend entries too
        self.plot.refresh()
        colors = not self.app.no_color
        self.legend.display = bool(self.plot.legend)
        self.legend.update(self.legend_text(colors))
        self.readout.update(self.readout_text(colors))

    def on_resize(self) -> None:
        """The legend and the readout break their lines at the widget's width."""
        self.legend.update(self.legend_text(not self.app.no_color))
        self.readout.update(self.readout_text(not self.app.no_color))

    def readout_text(self, colors: bool = True, width: int = 0) -> Text:
        """`step 12:  ## 0.778  ** 0.0273 (-0.751)`: each series by its legend swatch, the
        baseline first; lines break between entries only (`width` 0: the widget's)."""
        width = width or max(20, self.size.width - 2)
        if not self.series:
            return Text()
        if self.cursor is None:
            head = tr("runs_at_end", self.lang) + ":"
        else:
            head = tr("runs_at_step", self.lang, step=self.cursor) + ":"
        ordered = sorted(self.series, key=lambda s: (not s.baseline, s.slot))
        base = next((s for s in ordered if s.baseline), None)
        base_value = self._value(base) if base is not None else None
        entries = [Text(head, style="bold")]
        for s in ordered:
            value = self._value(s)
            color, mark = run_style(s.slot, s.baseline, self.marker, colors)
            entry = Text("━━" if mark == "braille" else mark * 2)
            if colors:
                entry.stylize(f"color({ANSI_CODES.get(color, 7)})")
            shown = "–" if value is None else f"{value:.4g}"
            if not s.baseline and value is not None and base_value is not None:
                shown += f" ({value - base_value:+.3g})"
            entry.append(" " + shown)
            entries.append(entry)
        return in_lines(entries, width)

    def legend_text(self, colors: bool = True, width: int = 0) -> Text:
        """`━━ name` per series, broken between entries only (a label never splits)."""
        width = width or max(20, self.size.width)
        entries = []
        for entry in self.plot.legend:
            piece = Text(entry.swatch())
            if colors:
                piece.stylize(f"color({ANSI_CODES.get(entry.color, 7)})")
            piece.append(" " + entry.name)
            entries.append(piece)
        return in_lines(entries, width)

    def _value(self, s: RunSeries) -> float | None:
        step = self.cursor if self.cursor is not None else s.history.last_step(s.arm)
        return value_at(s.history, s.arm, self.metric, step)

    @property
    def picture(self) -> str:
        """The plot, its legend and the readout as plain text (what a test reads)."""
        picture = self.plot.render()
        plot = picture.plain if isinstance(picture, Text) else str(picture)
        legend = self.legend_text(colors=False).plain
        readout = self.readout_text(colors=not self.app.no_color).plain
        return "\n".join((plot, legend, readout))


def in_lines(entries: list[Text], width: int) -> Text:
    """Entries two spaces apart, a new line where the next would not fit (never inside one).

    Rich wraps at any whitespace, no-break spaces included, which split a legend's
    swatch from its name at 80 columns.
    """
    lines = [Text()]
    for entry in entries:
        if lines[-1].cell_len and lines[-1].cell_len + 2 + entry.cell_len > width:
            lines.append(Text())
        if lines[-1].cell_len:
            lines[-1].append("  ")
        lines[-1].append_text(entry)
    return Text("\n").join(lines)
