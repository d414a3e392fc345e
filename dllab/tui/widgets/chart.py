"""`MetricChart`: one lesson chart, drawn by the shared `dllab.charts.draw_chart`.

The owner calls `update(...)` with the data and `replot()` on its redraw timer,
only when the history's version changed. plotext builds the picture in
`render()`, which Textual calls only after `refresh()` or a resize, so an idle
chart costs nothing. `last_render_ms` records the build cost for the benchmark.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from dllab.charts import draw_chart
from dllab.curriculum.model import ChartSpec
from dllab.engine.history import RunHistory


class MetricChart(PlotextPlot):
    """A plotext chart of one `ChartSpec` over a run's history (plus a faded overlay)."""

    DEFAULT_CSS = """
    MetricChart {
        height: 1fr;
        min-height: 10;
    }
    """

    def __init__(self, spec: ChartSpec, *, marker: str = "braille", id: str | None = None) -> None:
        super().__init__(id=id, classes="chart")
        self.spec = spec
        self.marker = marker
        self.log_flipped = False
        """The learner toggled log/linear y on this chart."""
        self.history: RunHistory | None = None
        self.overlay: RunHistory | None = None
        self.arms: list[str] = []
        self.labels: dict[str, str] = {}
        self.lang = "en"
        self.last_render_ms = 0.0
        self.renders = 0

    @property
    def effective_spec(self) -> ChartSpec:
        """The spec with the learner's log/linear choice applied."""
        if not self.log_flipped:
            return self.spec
        return dataclasses.replace(self.spec, log_y=not self.spec.log_y)

    def update(
        self,
        history: RunHistory | None,
        arms: Sequence[str],
        *,
        overlay: RunHistory | None = None,
        labels: dict[str, str] | None = None,
        lang: str = "en",
    ) -> None:
        """Set what to draw (call `replot()` to draw it)."""
        self.history = history
        self.arms = list(arms)
        self.overlay = overlay
        self.labels = dict(labels or {})
        self.lang = lang

    def replot(self) -> None:
        """Hand the data to plotext and schedule a repaint."""
        history = self.history if self.history is not None else RunHistory()
        draw_chart(
            self.plt,
            self.effective_spec,
            history,
            self.arms,
            lang=self.lang,
            width=max(10, self.size.width - 8),  # minus the y-axis labels
            marker=self.marker,
            overlay=self.overlay,
            labels=self.labels,
        )
        self.refresh()

    def render(self) -> RenderResult:
        """Build the plot (timed: plotext has no cache, every build costs ~µs per point)."""
        t0 = time.perf_counter()
        try:
            result = super().render()
        except Exception as exc:  # plotext edge cases (all-NaN data...) must not kill the app
            result = Text(f"{self.spec.id}: cannot draw ({type(exc).__name__})", style="dim")
        self.last_render_ms = (time.perf_counter() - t0) * 1000
        self.renders += 1
        return result
