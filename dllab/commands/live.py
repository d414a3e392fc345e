"""The terminal view of `dllab run` on a TTY: rich progress bars plus plotext charts."""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import TYPE_CHECKING

from rich.console import Group
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
        import plotext as plt

        with self._lock:
            steps = dict(self.steps)
        for arm, done in steps.items():
            if arm not in self.tasks:
                self.tasks[arm] = self.progress.add_task(arm, total=self.config.steps)
            self.progress.update(self.tasks[arm], completed=done)
        width, height = shutil.get_terminal_size((100, 30))
        guides = chart_guides(self.lesson, self.config.predictions)
        charts = [*self.lesson.charts[:2]]
        charts += [c for c in self.lesson.charts[2:] if c.id in guides][: 3 - len(charts)]
        parts: list[object] = [Text(f"{self.lesson.id} on {self.device or '...'}", style="bold")]
        chart_h = max(10, (height - 4 - len(steps)) // max(1, len(charts)))
        arms = run.history.arm_order or list(steps)
        for spec in charts:
            plt.clear_figure()
            plt.plotsize(width - 1, chart_h - 1)  # and a line for the legend
            plt.theme("clear")
            legend = draw_chart(
                plt,
                spec,
                run.history,
                arms,
                width=width,
                guides=guides.get(spec.id, ()),
                marker=self.marker,
                colors=self.colors,
            )
            parts.append(Text.from_ansi(plt.build()))
            parts.append(legend_text(legend, colors=self.colors))
        parts.append(self.progress)
        return Group(*parts)  # type: ignore[arg-type]

    def show(self, run: Run) -> None:
        """Redraw until the run ends (KeyboardInterrupt propagates to the caller)."""
        with Live(self._render(run), refresh_per_second=REFRESH_HZ, transient=False) as live:
            while run.wait(1.0 / REFRESH_HZ) is None:
                live.update(self._render(run))
            time.sleep(0)
            live.update(self._render(run))
