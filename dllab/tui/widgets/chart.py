"""`MetricChart`: one lesson chart, drawn by the shared `dllab.charts.draw_chart`.

The owner calls `update(...)` with the data and `replot()` on its redraw timer,
only when the history's version changed. `replot()` builds the picture with
plotext and repaints only when it differs from the last one; `render()` just
returns it (rebuilding after a resize). `last_render_ms` records the build cost
for the benchmark.

While a run trains, `replot(background=True)` builds in a thread instead: a key
pressed during a build then answers at once rather than after it (a build is
10-25 ms on a quiet 2-core box, several times that on a busy one). The title is
written at once; the picture and the legend follow when the build is done.
Builds of one chart are coalesced: while one runs only the newest request
waits, so a slow machine skips stale frames rather than queueing them.

The legend is a line of its own under the plot (`draw_chart` labels nothing
inside it), so it never covers data and measures wide characters right.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from dllab.charts import LegendEntry, YAxis, draw_chart, legend_text
from dllab.curriculum.model import ChartSpec, pick
from dllab.engine.history import RunHistory
from dllab.tui.ansi import sgr_text
from dllab.tui.widgets.rows import update_rows


@dataclass(frozen=True)
class ChartJob:
    """Everything one build draws from, taken on the UI thread: a build thread reads nothing else."""

    seq: int
    """Order of the request (a result older than the one shown is dropped)."""
    inputs: tuple[object, ...]
    spec: ChartSpec
    history: RunHistory
    """Thread-safe to read while the run adds to it."""
    arms: tuple[str, ...]
    overlay: RunHistory | None
    labels: tuple[tuple[str, str], ...]
    lang: str
    guides: tuple[tuple[float, str], ...]
    overlay_label: str
    marker: str
    colors: bool
    theme: str
    width: int
    height: int


@dataclass(frozen=True)
class ChartBuilt:
    """What a build made, for the UI thread to show."""

    seq: int
    picture: Text
    legend: list[LegendEntry]
    ms: float
    size: tuple[int, int]


class ChartPlot(PlotextPlot):
    """The plot area of a `MetricChart`; its owner holds what to draw."""

    class Built(Message, bubble=False):
        """A background build finished (posted from the build thread)."""

        def __init__(self, built: ChartBuilt) -> None:
            super().__init__()
            self.built = built

    def __init__(self, owner: MetricChart) -> None:
        super().__init__(classes="plot")
        self.owner = owner
        self.text = Text()
        self.legend: list[LegendEntry] = []
        self.built_size = (0, 0)
        self._built: tuple[object, ...] = ()
        """What the last build requested drew (a build of the same is skipped)."""
        self._sized: tuple[object, ...] = ()
        """The size and theme `PlotextPlot.render()` last set on the figure."""
        self._log = False
        """Whether the figure's y axis was last drawn on a log scale."""
        self._axis = YAxis()
        """How the last drawing labelled the y axis."""
        self._figure = threading.Lock()
        """Held while the figure (`self.plt`) is drawn: by the UI thread or one build thread."""
        self._queue = threading.Lock()
        """Guards `_next` and `_building`."""
        self._next: ChartJob | None = None
        """The newest background request not started yet."""
        self._building = False
        """A build thread is running (it takes `_next` before it ends)."""
        self._seq = 0
        self._shown_seq = 0

    # -- on the UI thread ----------------------------------------------------------
    def job(self) -> ChartJob | None:
        """What a build now would draw; None if it would draw what the last one did."""
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return None
        owner = self.owner
        built = owner.inputs(width, height)
        if built == self._built:
            return None
        self._built = built
        self._seq += 1
        return ChartJob(
            seq=self._seq,
            inputs=built,
            spec=owner.effective_spec,
            history=owner.history if owner.history is not None else RunHistory(),
            arms=tuple(owner.arms),
            overlay=owner.overlay,
            labels=tuple(owner.labels.items()),
            lang=owner.lang,
            guides=tuple(owner.guides),
            overlay_label=owner.overlay_label,
            marker=owner.marker,
            colors=not self.app.no_color,
            theme=self.app.theme,
            width=width,
            height=height,
        )

    def build(self) -> bool:
        """Build the plot at the widget's size now; True if the picture or legend changed.

        Nothing is built when the chart's inputs are what the last build drew.
        """
        job = self.job()
        return job is not None and self._show(self._run(job))

    def build_later(self) -> None:
        """Build the plot in a thread; the picture is shown when it is done (`Built`)."""
        job = self.job()
        if job is None:
            return
        with self._queue:
            self._next = job  # an older request not started yet is dropped: it is stale
            if self._building:
                return
            self._building = True
        self.run_worker(self._build_queued, thread=True, group="chart-build", exit_on_error=False)

    def on_chart_plot_built(self, message: ChartPlot.Built) -> None:
        if self._show(message.built) and self.is_mounted:
            self.refresh()
        self.owner.show_legend()

    def _show(self, built: ChartBuilt) -> bool:
        """Take a finished build's picture; True if the picture or legend changed."""
        if built.seq <= self._shown_seq:
            return False  # a newer build is on screen already
        self._shown_seq = built.seq
        self.owner.last_render_ms = built.ms
        self.owner.renders += 1
        self.built_size = built.size
        changed = built.legend != self.legend
        self.legend = built.legend
        if built.picture != self.text:
            self.text = built.picture
            changed = True
        return changed

    def render(self) -> RenderResult:
        """The last built picture (rebuilt first if the size changed; in a thread while a run trains)."""
        if self.built_size != (self.size.width, self.size.height):
            if self.owner.background:
                self.build_later()
            elif self.build():
                self.owner.show_legend()
        return self.text

    # -- on any thread --------------------------------------------------------------
    def _build_queued(self) -> None:
        """The build thread: the newest request, until none is left."""
        while True:
            with self._queue:
                job, self._next = self._next, None
                if job is None:
                    self._building = False
                    return
            self.post_message(self.Built(self._run(job)))

    def _run(self, job: ChartJob) -> ChartBuilt:
        """Draw `job` into the figure and build it (one thread at a time).

        Sizing and theming are `PlotextPlot.render()`'s public contract: it sizes
        the plot to the widget (plotext's own `plotsize` alone is clamped to the
        terminal size seen when the figure was made, textual-plotext issue #5),
        applies the app's theme and returns the built picture. Both stay set on
        the figure (`draw_chart` clears only the data), so while they hold the
        picture is plotext's own `build()`, decoded by `sgr_text` (Rich's
        general decoder was half the build time).
        """
        with self._figure:
            t0 = time.perf_counter()
            legend: list[LegendEntry] = []
            try:
                log = job.spec.log_y
                if log != self._log:
                    # plotext keeps a log axis's decade ticks after `clear_data` (they even
                    # overwrite its defaults): after `y` and back the linear axis showed them.
                    # A fresh figure then, whose size and theme `render()` sets again.
                    self.plt.clear_figure()
                    self._sized = ()
                    self._log = log
                was_short = self._axis.short
                legend = self._draw(job)
                if was_short and not self._axis.short:
                    # the short linear ticks (a diverged loss) stay on the figure: a fresh one
                    self.plt.clear_figure()
                    self._sized = ()
                    legend = self._draw(job)
                sized = (job.width, job.height, job.theme)
                if sized != self._sized:
                    picture = super().render()
                    self._sized = sized
                else:
                    picture = sgr_text(self.plt.build())
            except Exception as exc:  # plotext edge cases (all-NaN data...) must not kill the app
                picture = Text(f"{job.spec.id}: cannot draw ({type(exc).__name__})")
            if not isinstance(picture, Text):
                picture = Text(str(picture))
            ms = (time.perf_counter() - t0) * 1000
        return ChartBuilt(job.seq, picture, legend, ms, (job.width, job.height))

    def _draw(self, job: ChartJob) -> list[LegendEntry]:
        """`draw_chart` at the job's size (the figure's size and theme are set apart)."""
        return draw_chart(
            self.plt,
            job.spec,
            job.history,
            job.arms,
            lang=job.lang,
            width=max(10, job.width - 8),  # minus the y-axis labels
            marker=job.marker,
            overlay=job.overlay,
            labels=dict(job.labels),
            guides=job.guides,
            colors=job.colors,
            overlay_label=job.overlay_label,
            title=False,
            height=job.height,
            axis=self._axis,
        )


class MetricChart(Widget):
    """A plotext chart of one `ChartSpec` over a run's history (plus a faded overlay)."""

    DEFAULT_CSS = """
    MetricChart {
        height: 1fr;
        min-height: 10;
        layout: vertical;
    }
    MetricChart > .title { height: auto; max-height: 2; text-align: center; text-style: bold; }
    MetricChart > .plot { height: 1fr; }
    MetricChart > .legend { height: auto; max-height: 3; text-align: center; }
    """

    def __init__(self, spec: ChartSpec, *, marker: str = "braille", id: str | None = None) -> None:
        super().__init__(id=id, classes="chart")
        self.spec = spec
        self.marker = marker
        self.log_flipped = False
        """The learner toggled log/linear y on this chart."""
        self.history: RunHistory | None = None
        self.overlay: RunHistory | None = None
        self.overlay_label = "previous run"
        self.arms: list[str] = []
        self.labels: dict[str, str] = {}
        self.guides: list[tuple[float, str]] = []
        self.lang = "en"
        self.last_render_ms = 0.0
        """How long the last build took (data -> plotext -> text)."""
        self.renders = 0
        """How many times the picture was built."""
        self.background = False
        """Build in a thread (set by `replot`: while a run trains)."""
        self._shown: tuple[str, tuple[LegendEntry, ...]] | None = None
        self._legend_rows = -1
        self.heading = Static(classes="title")
        self.plot = ChartPlot(self)
        self.legend = Static(classes="legend")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.plot
        yield self.legend

    def inputs(self, width: int, height: int) -> tuple[object, ...]:
        """Everything a build draws from: the same inputs give the same picture."""
        history, overlay = self.history, self.overlay
        return (
            id(self.spec),
            self.app.theme,
            id(history),
            history.version if history is not None else -1,
            id(overlay),
            overlay.version if overlay is not None else -1,
            tuple(self.arms),
            tuple(sorted(self.labels.items())),
            self.lang,
            tuple(self.guides),
            self.log_flipped,
            self.overlay_label,
            self.marker,
            self.app.no_color,
            width,
            height,
        )

    @property
    def picture(self) -> str:
        """The last built chart as plain text (what a test or a screenshot reads)."""
        return self.plot.text.plain

    @property
    def legend_entries(self) -> list[LegendEntry]:
        """The series named under the chart, as last drawn."""
        return list(self.plot.legend)

    @property
    def effective_spec(self) -> ChartSpec:
        """The spec with the learner's log/linear choice applied."""
        spec = self.spec
        if self.log_flipped:
            spec = dataclasses.replace(spec, log_y=not spec.log_y)
        return spec

    def update(
        self,
        history: RunHistory | None,
        arms: Sequence[str],
        *,
        overlay: RunHistory | None = None,
        labels: dict[str, str] | None = None,
        lang: str = "en",
        guides: Sequence[tuple[float, str]] = (),
        overlay_label: str = "previous run",
    ) -> None:
        """Set what to draw (call `replot()` to draw it)."""
        self.history = history
        self.arms = list(arms)
        self.overlay = overlay
        self.labels = dict(labels or {})
        self.lang = lang
        self.guides = list(guides)
        self.overlay_label = overlay_label

    def replot(self, background: bool = False) -> None:
        """Draw the data with plotext; repaint only if the picture changed.

        A chart whose picture is the same as last tick (per-layer bars at step 0,
        or new points that land on the same braille dots) sends nothing to the
        terminal, which keeps the byte rate over SSH low. With `background` the
        picture is built in a thread and shown when done; the title now.
        """
        self.background = background
        if background:
            self.plot.build_later()
        elif self.plot.build() and self.is_mounted:
            self.plot.refresh()
        if self.is_mounted:
            self.show_legend()

    def show_legend(self) -> None:
        """Write the title above the plot and the legend under it (hidden when nothing is named).

        Both are Textual text, so wide characters are measured right; a long title
        wraps onto a second line (`lessons check` keeps every title within two at 80x24).
        """
        shown = (pick(self.spec.title, self.lang), tuple(self.plot.legend))
        if shown == self._shown:
            return  # nothing new to send to the terminal
        self._shown = shown
        title, entries = shown
        self.heading.update(title, layout=False)  # one row (CSS)
        if self.legend.display != bool(entries):
            self.legend.display = bool(entries)  # a layout, once per run at most
        # a whole-screen layout only when the legend takes another number of rows
        legend = legend_text(entries, colors=not self.app.no_color)
        self._legend_rows = update_rows(self.legend, legend, self._legend_rows)
