"""The sweep screen: one knob over a grid, the outcome against it, growing point by point.

The lesson screen builds the plan (its first `[[sweeps]]` entry, from the
knobs as the learner left them) and pushes this screen. The points run one
after the other in a thread worker, each through the lab's own `start_run` (a
child process, a run record, the Visdom mirror if asked), and every finished
point redraws the chart from `summarize`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from dllab.curriculum.model import Lesson, pick
from dllab.engine.config import RunConfig
from dllab.engine.run import Run
from dllab.engine.sweep import SweepPlan, SweepPoint, SweepRunner, summarize
from dllab.tui.i18n import tr
from dllab.tui.screens.base import LabScreen
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.sweepchart import SweepChart


class SweepScreen(LabScreen):
    """A sweep in progress, then its chart."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "stop", "Stop"),
        Binding("r", "rerun", "Run"),
        Binding("escape", "back", "Back"),
    ]

    DEFAULT_CSS = """
    SweepScreen #sweep-info { height: auto; padding: 0 1; color: $text-muted; }
    SweepScreen #sweep-status { height: 1; padding: 0 1; background: $boost; color: $text-muted; }
    """

    def __init__(self, lesson: Lesson, plan: SweepPlan) -> None:
        super().__init__(name=f"sweep-{lesson.id}")
        self.lesson = lesson
        self.plan = plan
        self.runner: SweepRunner | None = None
        self.points: list[SweepPoint] = []
        self.current = ""
        """The point now training, in words."""
        self._worker: Worker[list[SweepPoint]] | None = None
        self._run: Run | None = None
        """The point's run now training (its steps show in the status line)."""

    def compose(self) -> ComposeResult:
        marker = "*" if self.lab.options.ascii_markers else "braille"
        yield Header()
        yield Static(id="sweep-info")
        yield SweepChart(marker=marker, id="sweep-chart")
        yield Static(id="sweep-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "dllab"
        self.refresh_texts()
        self.set_interval(0.5, self._status)  # the current point's steps
        self.start()

    def refresh_texts(self) -> None:
        super().refresh_texts()
        plan = self.plan
        self.retitle(tr("sweep_title", self.lang, title=plan.title))
        grid = " ".join(f"{x:.3g}" for x in plan.xs)
        self.query_one("#sweep-info", Static).update(
            f"{plan.knob}: {grid}{'  (log)' if plan.log_x else ''} · {plan.metric} · "
            f"{len(plan.seeds)} seed(s) × {plan.steps} steps · {', '.join(plan.arms)}"
        )
        self._status()

    @property
    def running(self) -> bool:
        """True while the sweep's worker is running points."""
        worker = self._worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def start(self) -> None:
        """Run the plan from its first point."""
        self.points = []
        self.runner = SweepRunner(
            self.plan,
            start_run=self._start_run,
            on_point=lambda p: self.app.call_from_thread(self._point, p),
        )
        self._draw()
        self._worker = self._work(self.runner)

    def _start_run(self, lesson: Lesson, config: RunConfig) -> Run:
        arm, _, name = self.plan.knob.rpartition(".")
        x = (config.arm_knobs.get(arm, {}) if arm else config.knobs)[name]
        self.current = f"{self.plan.knob}={x:.3g}" + (
            f" seed {config.seed}" if len(self.plan.seeds) > 1 else ""
        )
        self._run = self.lab.start_run(lesson, config, [])
        self.app.call_from_thread(self._status)
        return self._run

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def _work(self, runner: SweepRunner) -> list[SweepPoint]:
        return runner.run()

    def _point(self, point: SweepPoint) -> None:
        self.points.append(point)
        self._draw()
        self._status()

    def _draw(self) -> None:
        labels = {a: pick(arm.label, self.lang) for a, arm in self.lesson.arms.items()}
        self.query_one(SweepChart).show(summarize(self.plan, self.points), labels)

    def _status(self) -> None:
        runner = self.runner
        total = runner.total if runner is not None else 0
        if self.running:
            done = min(total, len(self.points) + 1)
            text = tr("sweep_point", self.lang, done=done, total=total, what=self.current or "…")
            run = self._run
            if run is not None and run.running:
                text += (
                    f" · {tr('steps', self.lang)} {run.history.last_step() + 1}/{self.plan.steps}"
                )
        elif len(self.points) == total:
            text = tr("sweep_done", self.lang, done=len(self.points))
        else:
            text = tr("sweep_stopped", self.lang, done=len(self.points))
        self.query_one("#sweep-status", Static).update(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sweep":
            return
        if event.state is WorkerState.ERROR:
            self.notify(str(event.worker.error), severity="error", title="Sweep failed")
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.current = ""
            self._status()

    def action_stop(self) -> None:
        """Stop the point now training and run no more."""
        if self.runner is not None:
            self.runner.stop()

    def action_rerun(self) -> None:
        """Run the sweep again once it is over."""
        if not self.running:
            self.start()

    def action_back(self) -> None:
        """Back to the lesson (a sweep in progress stops)."""
        self.action_stop()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.action_stop()  # no training child outlives its screen
