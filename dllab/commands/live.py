"""The terminal view of `dllab run` on a TTY: rich progress bars plus plotext charts."""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from dllab.charts import draw_chart, legend_text
from dllab.commands.lab import ASCII_TERMS
from dllab.curriculum.model import ChartKind, ChartSpec, pick
from dllab.curriculum.predictions import chart_guides
from dllab.engine.events import ArmEnded, MetricPoint, RunStarted, Subscriber

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson
    from dllab.engine.config import RunConfig
    from dllab.engine.run import Run

REFRESH_HZ = 4.0


class LiveDisplay(Subscriber):
    """Collects step counts on the training thread; draws on the main thread at 4 Hz."""

    def __init__(self, lesson: Lesson, config: RunConfig) -> None:
        self.lesson = lesson
        self.config = config
        self.steps: dict[str, int] = {}
        self.device = ""
        self._lock = threading.Lock()
        self.progress = Progress(
            TextColumn("{task.description:>12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self.tasks: dict[str, TaskID] = {}
        # without colour (NO_COLOR) or braille (TERM=linux) each arm gets its own character
        self.colors = "NO_COLOR" not in os.environ
        self.marker = "*" if os.environ.get("TERM", "") in ASCII_TERMS else "braille"

    def on_run_start(self, event: RunStarted) -> None:
        self.device = event.device
        with self._lock:
            for arm in event.arms:
                self.steps[arm] = 0

    def on_metrics(self, points: list[MetricPoint]) -> None:
        with self._lock:
            for p in points:
                self.steps[p.arm] = max(self.steps.get(p.arm, 0), p.step + 1)

    def on_arm_end(self, event: ArmEnded) -> None:
        with self._lock:
            self.steps.setdefault(event.arm, 0)

    def _render(self, run: Run) -> Group:

        with self._lock:
            steps = dict(self.steps)
        for arm, done in steps.items():
            if arm not in self.tasks:
                self.tasks[arm] = self.progress.add_task(arm, total=self.config.steps)
            self.progress.update(self.tasks[arm], completed=done)
        width, height = shutil.get_terminal_size((100, 30))
        charts = self._live_charts()
        parts: list[object] = [Text(f"{self.lesson.id} on {self.device or '...'}", style="bold")]
        chart_h = max(10, (height - 4 - len(steps)) // max(1, len(charts)))
        for spec in charts:
            parts += self._chart(spec, run, width, chart_h)
        parts.append(self.progress)
        return Group(*parts)  # type: ignore[arg-type]

    def _live_charts(self) -> list[ChartSpec]:
        """The first two charts and those holding a guess (three at most)."""
        guides = chart_guides(self.lesson, self.config.predictions)
        charts = [*self.lesson.charts[:2]]
        charts += [c for c in self.lesson.charts[2:] if c.id in guides][: 3 - len(charts)]
        return charts

    def _chart(self, spec: ChartSpec, run: Run, width: int, height: int) -> list[Text]:
        """Title (wrapped by rich: plotext drops one wider than the plot), plot, legend."""
        import plotext as plt

        guides = chart_guides(self.lesson, self.config.predictions)
        title = Text(pick(spec.title, "en"), style="bold", justify="center")
        lines = len(title.wrap(Console(width=width), width))
        plt.clear_figure()
        plt.plotsize(width - 1, max(5, height - 1 - lines))  # and a line for the legend
        plt.theme("clear")
        legend = draw_chart(
            plt,
            spec,
            run.history,
            run.history.arm_order or list(self.steps),
            width=width,
            height=max(5, height - 1 - lines),
            guides=guides.get(spec.id, ()),
            marker=self.marker,
            colors=self.colors,
            title=False,
        )
        return [title, Text.from_ansi(plt.build()), legend_text(legend, colors=self.colors)]

    def show(self, run: Run) -> None:
        """Redraw until the run ends (KeyboardInterrupt propagates to the caller)."""
        with Live(self._render(run), refresh_per_second=REFRESH_HZ, transient=False) as live:
            while run.wait(1.0 / REFRESH_HZ) is None:
                live.update(self._render(run))
            time.sleep(0)
            live.update(self._render(run))
        # a heat map shows the end state (the learned kernel): drawn once, under the run
        width, height = shutil.get_terminal_size((100, 30))
        shown = self._live_charts()
        for spec in self.lesson.charts:
            if spec.kind is ChartKind.HEAT and spec not in shown:
                live.console.print(Group(*self._chart(spec, run, width, min(height - 2, 16))))
