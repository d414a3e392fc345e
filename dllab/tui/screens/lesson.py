"""The lesson screen: text beside live charts, knobs, the claim as ✓/✗, run controls.

Runs train in a child process (`Run(..., isolate=True)`); its events arrive as
messages (`dllab.tui.bridge`). A timer at `--fps` redraws the visible charts
and the claim only when the history's version changed, so key presses always
answer quickly and an idle screen sends nothing over SSH.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult, ScreenStackError
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Header, Input, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from dllab.curriculum.claims import Check, evaluate_claim
from dllab.curriculum.model import Lesson, pick
from dllab.curriculum.predictions import chart_guides
from dllab.engine.dispatch import claim_checks
from dllab.engine.events import ArmStatus, RunStatus
from dllab.engine.history import RunHistory
from dllab.errors import DllabError
from dllab.tui import heap
from dllab.tui.bridge import UiSubscriber
from dllab.tui.i18n import tr, tr_same_width
from dllab.tui.lessontext import LessonText, lesson_markdown
from dllab.tui.messages import (
    ArmFinished,
    FirstPoints,
    HuntChecked,
    RunBegan,
    RunFinished,
    RunRecorded,
)
from dllab.tui.screens.base import LabScreen
from dllab.tui.widgets.chart import MetricChart
from dllab.tui.widgets.claim import ClaimView
from dllab.tui.widgets.hunt import HuntPanel
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.knobs import KnobsPanel
from dllab.tui.widgets.predict import PredictPanel, summary_line
from dllab.tui.widgets.status import RunState, run_progress

if TYPE_CHECKING:
    from dllab.engine.run import Run

W = TypeVar("W", bound=Widget)

CHART_ROWS = 15
"""Rows a chart gets at least: before a second one is shown, and what the claim leaves it.

The title, a 3-line legend and the axes take 9 rows: 6 are left to plot at 80x24.
"""


class LessonScreen(LabScreen):
    """One lesson: read, turn knobs, run, compare, check the claim."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run"),
        Binding("s", "stop", "Stop"),
        Binding("p", "pause", "Pause"),
        Binding("x", "reset_knobs", "Reset"),
        Binding("h", "hint", "Hint"),
        Binding("a", "answers", "Answers"),
        Binding("c", "next_chart", "Chart"),
        # not in the footer (20 keys fill its two lines at 80 columns): the claim's own
        # summary line names m whenever the checks are cut
        Binding("m", "claim", "Whole claim", show=False),
        Binding("y", "toggle_log", "Log y"),
        # priority: `k600` typed fast is one read; the digits must follow the focus to the knob
        Binding("k", "knobs", "Knobs", priority=True),
        Binding("t", "text", "Text", show=False),
        Binding("e", "edit", "Edit"),
        Binding("b", "hunt", "Hunt"),
        Binding("g", "predict", "Guess"),
        Binding("w", "sweep", "Sweep"),
        Binding("v", "runs", "Runs"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, lesson: Lesson) -> None:
        super().__init__(name=lesson.id)
        self.lesson = lesson
        self.run: Run | None = None
        self.shown: RunHistory | None = None
        """The history on the charts: the live run's, or the last recorded run's."""
        self.overlay: RunHistory | None = None
        """The previous run, drawn faded for comparison."""
        self.device = ""
        self.state = RunState.IDLE
        self.t_start = 0.0
        self.t_end = 0.0
        self.drawn_version = -1
        self.drawn_key: tuple[Any, ...] = ()
        self.chart_index = 0
        self.show_answers = False
        self.guides: dict[str, list[tuple[float, str]]] = {}
        """The learner's guesses to draw, by chart id."""
        self._checks: dict[tuple[str, str], list[Check]] = {}
        self._status_text = ""
        self._worded_in = ""
        # the widgets every tick and key touch, kept from `compose`: a query walks the
        # whole screen (the knobs too) and matches selectors, a third of what `l` cost
        self.charts: list[MetricChart] = []
        self.claim = ClaimView(id="claim")
        self.status_line = Static(id="status")
        self.texts = {code: LessonText(id=f"text-{code}", classes="text") for code in ("en", "zh")}
        self.tabs = TabbedContent(id="side")
        self._found: dict[type[Widget], Widget] = {}

    def one(self, kind: type[W]) -> W:
        """The screen's one widget of `kind`, found once (the screen never recomposes)."""
        found = self._found.get(kind)
        if found is None:
            found = self._found[kind] = self.query_one(kind)
        assert isinstance(found, kind)
        return found

    @property
    def text(self) -> LessonText:
        """The lesson text in the current language."""
        return self.texts[self.lang]

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        lang = self.lang
        marker = "*" if self.lab.options.ascii_markers else "braille"
        yield Header()
        with VerticalScroll(id="claim-box", can_focus=False):
            # the full width: every check reads whole at 80 columns (m, when it is cut)
            yield self.claim
        with Horizontal(id="lesson-body"):
            with self.tabs:
                with (
                    TabPane(tr_same_width("lesson", lang), id="tab-text"),
                    VerticalScroll(id="text-scroll"),
                ):
                    # one text per language: switching language only flips which is shown
                    yield from self.texts.values()
                with TabPane(tr_same_width("knobs", lang), id="tab-knobs"):
                    yield KnobsPanel(self.lesson, lang, id="knobs")
                if self.lesson.bughunt is not None:
                    with TabPane(tr_same_width("hunt", lang), id="tab-hunt"), VerticalScroll():
                        yield HuntPanel(self.lesson, lang, id="hunt")
                if self.lesson.predictions:
                    with TabPane(tr_same_width("predict", lang), id="tab-predict"):
                        yield PredictPanel(self.lesson, lang, id="predict")
            with Vertical(id="main"), Vertical(id="charts"):
                self.charts = [
                    MetricChart(spec, marker=marker, id=f"chart-{i}")
                    for i, spec in enumerate(self.lesson.charts)
                ]
                yield from self.charts
        yield self.status_line  # the full width: the ETA fits at 80 columns
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "dllab"
        self.refresh_texts()
        self.query_one("#text-scroll").focus()
        self.set_interval(1 / self.lab.options.fps, self.tick)
        self.lab.progress.mark_started(self.lesson.id)
        self.lab.save_progress()
        if self.lesson.predictions:
            self.one(PredictPanel).prefill(self.lab.progress.guesses(self.lesson.id))
            self._draw_guesses()
        last = self.lab.progress.lessons.get(self.lesson.id, {}).get("last_run")
        if isinstance(last, str):
            self._load_record(last)
        self.redraw(force=True)
        self.set_timer(1.0, self._prefill_other_language)
        self.lab.prewarm(self.lesson)  # a child imports torch now, so r answers at once

    def _prefill_other_language(self) -> None:
        """Parse the hidden language's text ahead of time, so the language key answers at once."""
        other = "zh" if self.lang == "en" else "en"
        hints = self.lab.progress.hints_shown(self.lesson.id)
        text = self.texts[other]
        source = lesson_markdown(self.lesson, other, hints, self.show_answers)
        if text.source != source:
            text.set_source(source)
        text.prerender(self.text.content_size.width)  # at the width it will be shown at
        heap.settle()  # this screen's widgets and texts live as long as the lab

    def on_screen_resume(self) -> None:
        if self._worded_in != self.lang:
            self.refresh_texts()
        self.lab.prewarm(self.lesson)

    def on_resize(self) -> None:
        self.call_after_refresh(self.layout_charts)
        self.redraw(force=True)

    def fit_claim(self) -> None:
        """Give the claim the rows the chart can spare; it cuts its checks to one line if it must."""
        claim = self.claim
        others = sum(w.outer_size.height for w in (self.one(Header), self.one(KeyBar)))
        others += self.status_line.outer_size.height + 1  # + the claim's border
        claim.max_rows = max(2, self.size.height - others - CHART_ROWS)
        claim.show()

    def layout_charts(self) -> None:
        """Show as many charts as fit in the rows the claim leaves, CHART_ROWS each at least."""
        self.fit_claim()
        charts = self.charts
        if not charts:
            return
        area = self.query_one("#charts").size.height
        n = max(1, min(len(charts), area // CHART_ROWS))
        visible = {(self.chart_index + k) % len(charts) for k in range(n)}
        for i, chart in enumerate(charts):
            chart.display = i in visible

    def on_claim_view_resized(self, message: ClaimView.Resized) -> None:
        """The claim wraps: when its height changes, the charts' rows change too."""
        message.stop()
        self.call_after_refresh(self.layout_charts)

    def action_claim(self) -> None:
        """The whole claim, or one line per check again (when the whole one does not fit)."""
        claim = self.claim
        box = self.query_one("#claim-box", VerticalScroll)
        claim.expanded = not claim.expanded
        box.set_class(claim.expanded, "expanded")
        box.can_focus = claim.expanded  # ↑/↓ scroll a claim longer than the screen
        claim.show()
        if claim.expanded:
            box.focus()
        else:
            self.query_one("#text-scroll").focus()
        self.call_after_refresh(self.layout_charts)

    def refresh_texts(self) -> None:
        """(Re)write every text in the current language."""
        lang = self.lang
        self._worded_in = lang
        super().refresh_texts()
        self.retitle(pick(self.lesson.title, lang))
        hints = self.lab.progress.hints_shown(self.lesson.id)
        for code, text in self.texts.items():
            text.display = code == lang
            source = lesson_markdown(self.lesson, code, hints, self.show_answers)
            if code == lang and text.source != source:
                text.set_source(source)
        tabs = self.tabs
        tabs.get_tab("tab-text").label = tr_same_width("lesson", lang)
        tabs.get_tab("tab-knobs").label = tr_same_width("knobs", lang)
        if self.lesson.predictions:
            tabs.get_tab("tab-predict").label = tr_same_width("predict", lang)
            predict = self.one(PredictPanel)
            predict.lang = lang
            predict.redraw()
        if self.lesson.bughunt is not None:
            tabs.get_tab("tab-hunt").label = tr_same_width("hunt", lang)
            hunt = self.one(HuntPanel)
            hunt.lang = lang
            hunt.redraw()
        # the claim, the status and the chart titles now (laid out with the text); the
        # charts on the next tick: a build must not hold back the words the key changed
        self.redraw(force=True, charts=False)
        self.update_status()

    # -- drawing ---------------------------------------------------------------
    def arms(self) -> list[str]:
        """The arms on the charts, in lesson order."""
        if self.run is not None:
            return list(self.run.config.arms or self.lesson.arms)
        if self.shown is not None and self.shown.arm_order:
            order = [a for a in self.lesson.arms if a in self.shown.arm_order]
            return order or list(self.shown.arm_order)
        return list(self.lesson.arms)

    def checks(self) -> list[Check]:
        """The claim's checks for this device and language (parsed once)."""
        key = (self.device or "cpu", self.lang)
        if key not in self._checks:
            self._checks[key] = claim_checks(self.lesson, key[0], self.lang)
        return self._checks[key]

    def tick(self) -> None:
        """The redraw timer: charts and claim only if data changed; the status line always."""
        try:
            current = self.app.screen is self
        except ScreenStackError:  # the app is shutting down
            return
        if current:
            self.redraw()
            self.update_status()

    @property
    def training(self) -> bool:
        """A run of this screen is training (its charts are then built in a thread)."""
        return self.run is not None and self.run.running

    def redraw(self, force: bool = False, charts: bool = True) -> None:
        """Replot the visible charts and the claim when the history changed.

        While a run trains the charts are built in a thread (`MetricChart.replot`):
        neither this tick nor a key that redraws waits for plotext. With
        `charts=False` only the claim and the chart titles are written now; the
        next tick replots the charts.
        """
        history = self.run.history if self.run is not None else self.shown
        version = history.version if history is not None else -1
        key = (id(history), id(self.overlay), self.lang)
        if not force and version == self.drawn_version and key == self.drawn_key:
            return
        if charts:
            self.drawn_version, self.drawn_key = version, key
        labels = {a: pick(arm.label, self.lang) for a, arm in self.lesson.arms.items()}
        arms = self.arms()
        background = self.training
        for chart in self.charts:
            chart.update(
                history,
                arms,
                overlay=self.overlay,
                labels=labels,
                lang=self.lang,
                guides=self.guides.get(chart.spec.id, ()),
                overlay_label=tr("previous_run", self.lang),
            )
            if not chart.display:
                continue
            if charts:
                chart.replot(background)
            else:
                chart.show_legend()  # the title in the new words; the legend with the picture
        verdict = evaluate_claim(self.checks(), history or RunHistory())
        self.claim.set_result(verdict, self.lang)

    def status_text(self) -> str:
        """device · state · step · steps/s · elapsed · ETA (rates from the first step on)."""
        lang = self.lang
        parts = [self.lab.device_label(self.device), self.state.word(lang)]
        run = self.run
        if run is not None and self.t_start:
            elapsed = (self.t_end or time.monotonic()) - self.t_start
            parts += run_progress(
                run.history,
                self.arms(),
                run.config.steps,
                elapsed,
                self.state is RunState.RUNNING,
                lang,
            )
        notice = self.lab.status_notice()
        if notice:
            parts.append(notice)
        return " · ".join(parts)  # the previous run is named in each chart's legend

    def update_status(self) -> None:
        """Rewrite the status line if its text changed."""
        text = self.status_text()
        if text != self._status_text:
            self._status_text = text
            # one row whatever it says (CSS): no whole-screen layout for a new step count
            self.status_line.update(text, layout=False)

    # -- runs ------------------------------------------------------------------
    def action_run(self) -> None:
        """Start a run with the knobs' values (the previous run becomes the overlay)."""
        if self.run is not None and self.run.running:
            self.notify("A run is already training: press s to stop it.", severity="warning")
            return
        try:
            config = self.one(KnobsPanel).build_config()
            config.device = self.lab.options.device
            config.predictions = self._keep_guesses()
            previous = self.run.history if self.run is not None else self.shown
            self.run = self.lab.start_run(self.lesson, config, [UiSubscriber(self)])
        except DllabError as exc:
            self.notify(str(exc), severity="error", title="Cannot run")
            return
        if previous is not None and previous.version > 0:
            self.overlay = previous
        self.shown = None
        self.state = RunState.STARTING
        self.t_start, self.t_end = 0.0, 0.0
        self.claim.reset()
        self.redraw(force=True)
        self.update_status()

    def action_stop(self) -> None:
        """Stop the run after its current step (the engine kills a stuck child after 1 s)."""
        if self.run is not None and self.run.running:
            self.run.stop()
            self.state = RunState.STOPPING
            self.update_status()

    def action_pause(self) -> None:
        """Pause or resume the run."""
        if self.run is None or not self.run.running:
            return
        if self.run.paused:
            self.run.resume()
            self.state = RunState.RUNNING
        else:
            self.run.pause()
            self.state = RunState.PAUSED
        self.update_status()

    def _current(self, run_id: str) -> bool:
        return self.run is not None and self.run.run_id == run_id

    def on_run_began(self, message: RunBegan) -> None:
        message.stop()
        if self._current(message.event.run):
            self.device = message.event.device
            self.state = RunState.RUNNING
            self.t_start = time.monotonic()
            self.lab.watch_device(self.device)
            self.update_status()

    def on_first_points(self, message: FirstPoints) -> None:
        message.stop()
        if self._current(message.run):
            self.tick()

    def on_arm_finished(self, message: ArmFinished) -> None:
        message.stop()
        event = message.event
        if self._current(event.run) and event.status in (ArmStatus.DIVERGED, ArmStatus.FAILED):
            self.notify(f"{event.arm}: {event.status.value} {event.message}", severity="warning")

    def on_run_finished(self, message: RunFinished) -> None:
        message.stop()
        event = message.event
        # the record is complete (its writer ran before us): a runs panel open over this
        # screen shows the finished run now, not when it is opened again
        for screen in self.app.screen_stack:
            if screen is not self:
                screen.post_message(RunRecorded(self.lesson.id))
        if not self._current(event.run):
            return
        self.state = RunState.ended(event.status)
        self.t_end = time.monotonic()
        progress = self.lab.progress
        passed = bool(event.claim and event.claim.get("passed"))
        progress.run_ended(self.lesson.id, event.run, passed)
        if event.predictions:
            progress.record_predictions(self.lesson.id, event.predictions)
            self.one(PredictPanel).show_results(event.predictions)
        self.lab.save_progress()
        self.redraw(force=True)
        self.update_status()
        if self.app.screen is self:
            self.lab.prewarm(self.lesson)  # a fresh child for the next run
        guessed = summary_line(self.lesson, event.predictions or [], self.lang)
        if guessed and event.status is RunStatus.COMPLETED:
            self.notify(guessed, title=tr("predict", self.lang), timeout=12)
        if event.status is RunStatus.FAILED:
            self.notify(event.message or "the run failed", severity="error", title="Run failed")
        elif event.status is RunStatus.COMPLETED:
            verdict = tr("claim_holds" if passed else "claim_fails", self.lang)
            self.notify(
                ("✓ " if passed else "✗ ") + verdict,
                severity="information" if passed else "warning",
            )

    # -- a recorded run as the starting picture ---------------------------------
    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _load_record(self, run_id: str) -> RunHistory | None:
        from dllab.engine.records import load_run

        record = load_run(run_id)
        history = RunHistory()
        history.add(list(record.points()))
        return history

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "record" and event.state is WorkerState.SUCCESS:
            history = event.worker.result
            if isinstance(history, RunHistory) and self.run is None and history.version > 0:
                self.show_history(history)

    def show_history(self, history: RunHistory, device: str = "") -> None:
        """Draw a finished history (a recorded run, or a seeded one in tests)."""
        self.shown = history
        if device:
            self.device = device
        self.redraw(force=True)
        self.update_status()

    # -- keys ------------------------------------------------------------------
    def action_reset_knobs(self) -> None:
        """Knobs back to the lesson's defaults."""
        self.one(KnobsPanel).reset()
        self.notify(tr("knobs_reset", self.lang))

    def action_hint(self) -> None:
        """Reveal the next hint (opt-in, remembered in the progress)."""
        total = len(self.lesson.text(self.lang).hints)
        if self.lab.progress.hints_shown(self.lesson.id) >= total:
            self.notify(tr("hint_none", self.lang))
        else:
            # no toast: it covered the chart for seconds; the hint is in the text, shown now
            self.lab.progress.show_hint(self.lesson.id)
            self.lab.save_progress()
        self.tabs.active = "tab-text"
        self.refresh_texts()
        self.query_one("#text-scroll", VerticalScroll).scroll_end(animate=False)

    def action_hunt(self) -> None:
        """Go to the Bug hunt tab."""
        if self.lesson.bughunt is not None:
            self.tabs.active = "tab-hunt"

    def action_answers(self) -> None:
        """Show or hide the answers to the lesson's questions."""
        self.show_answers = not self.show_answers
        self.refresh_texts()

    def action_next_chart(self) -> None:
        """Show the next chart(s)."""
        self.chart_index = (self.chart_index + 1) % max(1, len(self.lesson.charts))
        self.layout_charts()
        self.redraw(force=True)

    def action_toggle_log(self) -> None:
        """Log/linear y on the visible charts."""
        for chart in self.charts:
            if chart.display:
                chart.log_flipped = not chart.log_flipped
        self.redraw(force=True)

    def action_knobs(self) -> None:
        """Go to the knobs tab and focus the first knob."""
        self.tabs.active = "tab-knobs"
        first = self.one(KnobsPanel).query("Input, Select, Switch").first()
        self.set_focus(first)  # now, not on a later turn: the keys typed next land in it

    def action_text(self) -> None:
        """Go to the lesson text."""
        self.tabs.active = "tab-text"
        self.query_one("#text-scroll").focus()

    def action_edit(self) -> None:
        """Bug hunts: open the file to fix in $EDITOR."""
        if self.lesson.bughunt is None:
            self.notify("This lesson has no bug hunt.")
            return
        self.tabs.active = "tab-hunt"
        error = self.one(HuntPanel).open_editor()
        if error:
            self.notify(error, severity="warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "knobs" and isinstance(self.focused, (Input, Select)):
            return None  # in a field `k` types (the priority binding steps aside)
        absent = {
            "edit": self.lesson.bughunt is None,
            "hunt": self.lesson.bughunt is None,
            "predict": not self.lesson.predictions,
            "sweep": not self.lesson.sweeps,
        }
        return not absent.get(action, False)

    # -- predict, then run; sweeps ---------------------------------------------
    def action_predict(self) -> None:
        """Go to the Predict tab and focus the first guess."""
        self.tabs.active = "tab-predict"
        panel = self.one(PredictPanel)
        panel.field(self.lesson.predictions[0].id).focus()

    def on_predict_panel_guessed(self, message: PredictPanel.Guessed) -> None:
        message.stop()
        self.lab.progress.record_guess(self.lesson.id, message.prediction_id, message.guess)
        self.lab.save_progress()
        self._draw_guesses()
        self.notify(tr("predict_kept", self.lang))

    def _keep_guesses(self) -> dict[str, float]:
        """The typed guesses, kept in the progress and drawn (ConfigError if one is bad)."""
        if not self.lesson.predictions:
            return {}
        guesses = self.one(PredictPanel).guesses()
        kept = self.lab.progress.guesses(self.lesson.id)
        for pid, guess in guesses.items():
            if kept.get(pid, {}).get("guess") != guess:
                self.lab.progress.record_guess(self.lesson.id, pid, guess)
        self._draw_guesses(guesses)
        return guesses

    def _draw_guesses(self, guesses: dict[str, float] | None = None) -> None:
        """The guesses as reference lines on their charts."""
        if guesses is None:
            try:
                guesses = self.one(PredictPanel).guesses()
            except DllabError:
                return
        self.guides = chart_guides(self.lesson, guesses)
        self.redraw(force=True)

    def action_sweep(self) -> None:
        """Run the lesson's first sweep from the knobs as they are, on its own screen."""
        from dllab.engine.sweep import plan_sweep
        from dllab.tui.screens.sweep import SweepScreen

        if self.run is not None and self.run.running:
            self.notify("A run is already training: press s to stop it.", severity="warning")
            return
        try:
            base = self.one(KnobsPanel).build_config()
            base.device = self.lab.options.device
            plan = plan_sweep(self.lesson, base, None, lang=self.lang)
        except DllabError as exc:
            self.notify(str(exc), severity="error", title="Cannot sweep")
            return
        self.app.push_screen(SweepScreen(self.lesson, plan))

    def action_runs(self) -> None:
        """The runs panel: this lesson's recorded runs on the same axes."""
        from dllab.tui.screens.runs import RunsScreen

        self.app.push_screen(RunsScreen(self.lesson))

    def on_hunt_checked(self, message: HuntChecked) -> None:
        if message.result.passed:
            self.lab.progress.hunt_passed(self.lesson.id)
            self.lab.save_progress()

    def action_back(self) -> None:
        """Leave an input, else go back to the course (a run keeps training)."""
        if isinstance(self.focused, (Input, Select)):
            self.query_one("#text-scroll").focus()
            return
        if self.claim.expanded:
            self.action_claim()  # the claim back to one line per check
            return
        self.app.pop_screen()

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        self.layout_charts()
