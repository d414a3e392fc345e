"""`SweepChart`: a sweep's outcome against its knob, drawn by the shared `dllab.charts.draw_sweep`.

As for the lesson charts, the legend is a line of its own under the plot.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from dllab.charts import LegendEntry, draw_sweep, legend_text


class _SweepPlot(PlotextPlot):
    """The plot area; its owner holds the summary."""

    def __init__(self, owner: SweepChart) -> None:
        super().__init__(classes="plot")
        self.owner = owner
        self.legend: list[LegendEntry] = []

    def render(self) -> RenderResult:
        """Draw the data through `self.plt`, then let PlotextPlot size and build it."""
        owner = self.owner
        if owner.summary is not None:
            try:
                # a fresh figure: ticks set for one picture (log, or short linear ones)
                # stay after `clear_data` (size and theme are set again below)
                self.plt.clear_figure()
                self.legend = draw_sweep(
                    self.plt,
                    owner.summary,
                    labels=owner.labels,
                    marker=owner.marker,
                    width=max(10, self.size.width),
                    colors=not self.app.no_color,
                )
            except Exception as exc:  # plotext edge cases must not kill the app
                return Text(f"sweep: cannot draw ({type(exc).__name__})")
        return super().render()


class SweepChart(Widget):
    """The sweep summary so far (`dllab.engine.sweep.summarize`), one curve per arm."""

    DEFAULT_CSS = """
    SweepChart { height: 1fr; min-height: 10; }
    SweepChart > .plot { height: 1fr; }
    SweepChart > .legend { height: auto; max-height: 2; text-align: center; }
    """

    def __init__(self, *, marker: str = "braille", id: str | None = None) -> None:
        super().__init__(id=id)
        self.marker = marker
        self.summary: dict[str, Any] | None = None
        self.labels: dict[str, str] = {}
        self.plot = _SweepPlot(self)
        self.legend = Static(classes="legend")

    def compose(self) -> ComposeResult:
        yield self.plot
        yield self.legend

    def show(self, summary: dict[str, Any], labels: dict[str, str]) -> None:
        """Draw this summary (after each point)."""
        self.summary, self.labels = summary, labels
        self.plot.render()  # builds the legend entries too
        self.plot.refresh()
        self.legend.update(legend_text(self.plot.legend, colors=not self.app.no_color))

    @property
    def picture(self) -> str:
        """The plot and its legend as plain text (what a test reads)."""
        picture = self.plot.render()
        plot = picture.plain if isinstance(picture, Text) else str(picture)
        return plot + "\n" + legend_text(self.plot.legend, colors=False).plain.replace("\xa0", " ")
