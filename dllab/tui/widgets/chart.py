"""`MetricChart`: one lesson chart, drawn by the shared `dllab.charts.draw_chart`.

The owner calls `update(...)` with the data and `replot()` on its redraw timer,
only when the history's version changed. `replot()` builds the picture with
plotext and repaints only when it differs from the last one; `render()` just
returns it (rebuilding after a resize). `last_render_ms` records the build cost
for the benchmark.
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
        """How long the last build took (data -> plotext -> text)."""
        self.renders = 0
        """How many times the picture was built."""
        self._text = Text()
        self._built_size = (0, 0)

    @property
    def effective_spec(self) -> ChartSpec:
        """The spec with the learner's log/linear choice applied and titles that fit.

        plotext drops a title wider than the plot, so long titles are shortened.
        """
        spec = self.spec
        if self.log_flipped:
            spec = dataclasses.replace(spec, log_y=not spec.log_y)
        room = max(8, self.size.width - 4)
        title = {k: v if len(v) <= room else v[: room - 1] + "…" for k, v in spec.title.items()}
        return dataclasses.replace(spec, title=title) if title != spec.title else spec

    @property
    def picture(self) -> str:
        """The last built chart as plain text (what a test or a screenshot reads)."""
        return self._text.plain

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
        """Draw the data with plotext; repaint only if the picture changed.

        A chart whose picture is the same as last tick (per-layer bars at step 0,
        or new points that land on the same braille dots) sends nothing to the
        terminal, which keeps the byte rate over SSH low.
        """
        if self._build() and self.is_mounted:
            self.refresh()

    def _build(self) -> bool:
        """Build the plot at the widget's size; True if the picture changed.

        Sizing and theming are `PlotextPlot.render()`'s public contract: it sizes
        the plot to the widget (plotext's own `plotsize` alone is clamped to the
        terminal size seen when the figure was made, textual-plotext issue #5),
        applies the app's theme and returns the built picture. Only the data is
        drawn here, through `self.plt`.
        """
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return False
        t0 = time.perf_counter()
        history = self.history if self.history is not None else RunHistory()
        try:
            draw_chart(
                self.plt,
                self.effective_spec,
                history,
                self.arms,
                lang=self.lang,
                width=max(10, width - 8),  # minus the y-axis labels
                marker=self.marker,
                overlay=self.overlay,
                labels=self.labels,
            )
            picture = super().render()
        except Exception as exc:  # plotext edge cases (all-NaN data...) must not kill the app
            picture = Text(f"{self.spec.id}: cannot draw ({type(exc).__name__})")
        self.last_render_ms = (time.perf_counter() - t0) * 1000
        self.renders += 1
        self._built_size = (width, height)
        if not isinstance(picture, Text) or picture == self._text:
            return False
        self._text = picture
        return True

    def render(self) -> RenderResult:
        """The last built picture (rebuilt first if the size changed)."""
        if self._built_size != (self.size.width, self.size.height):
            self._build()
        return self._text
