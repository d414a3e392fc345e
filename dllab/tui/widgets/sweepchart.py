"""`SweepChart`: a sweep's outcome against its knob, drawn by the shared `dllab.charts.draw_sweep`."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from dllab.charts import draw_sweep


class SweepChart(PlotextPlot):
    """The sweep summary so far (`dllab.engine.sweep.summarize`), one curve per arm."""

    DEFAULT_CSS = """
    SweepChart { height: 1fr; min-height: 10; }
    """

    def __init__(self, *, marker: str = "braille", id: str | None = None) -> None:
        super().__init__(id=id)
        self.marker = marker
        self.summary: dict[str, Any] | None = None
        self.labels: dict[str, str] = {}

    def show(self, summary: dict[str, Any], labels: dict[str, str]) -> None:
        """Draw this summary (after each point)."""
        self.summary, self.labels = summary, labels
        self.refresh()

    @property
    def picture(self) -> str:
        """The chart as plain text (what a test reads)."""
        picture = self.render()
        return picture.plain if isinstance(picture, Text) else str(picture)

    def render(self) -> RenderResult:
        """Draw the data through `self.plt`, then let PlotextPlot size and build it."""
        if self.summary is not None:
            try:
                draw_sweep(
                    self.plt,
                    self.summary,
                    labels=self.labels,
                    marker=self.marker,
                    width=max(10, self.size.width),
                )
            except Exception as exc:  # plotext edge cases must not kill the app
                return Text(f"sweep: cannot draw ({type(exc).__name__})")
        return super().render()
