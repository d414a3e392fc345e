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
    ProgressColumn,
    Task,
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
from dllab.engine.events import ArmEnded, ArmStatus, MetricPoint, RunStarted, Subscriber

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson
    from dllab.engine.config import RunConfig
    from dllab.engine.run import Run

REFRESH_HZ = 4.0
MIN_CHART_H = 8
"""Rows below which a chart is not worth drawing (title, 5 plot rows, legend): fewer charts instead."""

ENDED = {
    ArmStatus.COMPLETED: "done",
    ArmStatus.DIVERGED: "diverged",
    ArmStatus.STOPPED: "stopped",
    ArmStatus.FAILED: "failed",
}


class _LeftOrEndColumn(ProgressColumn):
    """The time left while an arm runs; how it ended once it did. An arm can end early
    (the `keep` arm of truncated-bptt-perplexity at its 2nd step): its bar must say so,
    not sit at 2/150 with -:--:-- left as if it were stuck."""

    def __init__(self) -> None:
        super().__init__()
        self.left = TimeRemainingColumn()

    def render(self, task: Task) -> Text:
        state = task.fields.get("state", "")
        return Text(state) if state else self.left.render(task)


class LiveDisplay(Subscriber):
    """Collects step counts on the training thread; draws on the main thread at 4 Hz."""

    def __init__(self, lesson: Lesson, config: RunConfig) -> None:
        self.lesson = lesson
        self.config = config
        self.steps: dict[str, int] = {}
        self.ended: dict[str, ArmEnded] = {}
        self.device = ""
        self._lock = threading.Lock()
        self.progress = Progress(
            TextColumn("{task.description:>12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            _LeftOrEndColumn(),
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
            if event.step >= 0:  # the steps it took (-1: ended with its run, count unknown)
                self.steps[event.arm] = event.step
            self.steps.setdefault(event.arm, 0)
            self.ended[event.arm] = event

    def _update_bars(self) -> None:
        with self._lock:
            steps = dict(self.steps)
            ended = dict(self.ended)
        for arm, done in steps.items():
            if arm not in self.tasks:
                self.tasks[arm] = self.progress.add_task(arm, total=self.config.steps, state="")
            task = self.tasks[arm]
            end = ended.get(arm)
            if end is None:
                self.progress.update(task, completed=done)
                continue
            state = ENDED.get(end.status, end.status.value)
            if end.status is ArmStatus.COMPLETED and done < self.config.steps:
                state = f"ended at step {done}"
            # stop_task freezes its clock (the elapsed time stays what the arm took)
            self.progress.update(task, completed=done, state=state)
            self.progress.stop_task(task)

    def _render(self, run: Run) -> Group:
        self._update_bars()
        width, height = shutil.get_terminal_size((100, 30))
        # the bars come right under the heading: whatever does not fit is cut at the
        # bottom (rich's "..."), and that must be a chart, never the progress
        parts: list[object] = [
            Text(f"{self.lesson.id} on {self.device or '...'}", style="bold"),
            self.progress,
        ]
        free = height - 1 - len(self.tasks) - 1  # heading, bars, the line the cursor rests on
        charts = self._live_charts()
        while len(charts) > 1 and free // len(charts) < MIN_CHART_H:
            charts.pop()
        chart_h = max(MIN_CHART_H, free // max(1, len(charts)))
        for spec in charts:
            parts += self._chart(spec, run, width, chart_h)
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
        console = Console(width=width)
        lines = len(title.wrap(console, width))
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
        key = legend_text(legend, colors=self.colors)
        extra = len(key.wrap(console, width)) - 1  # many arms: the legend wraps
        if extra > 0 and spec.kind is not ChartKind.HEAT:
            plt.plotsize(width - 1, max(5, height - 1 - lines - extra))
        # plotext ends its drawing with a newline: one empty row more than asked for
        plot = Text.from_ansi(plt.build().rstrip("\n"))
        return [title, plot, key]

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
