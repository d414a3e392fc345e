"""The Diagnose screen: run `dllab.diagnose.api.diagnose_file` on a script, list findings.

The diagnosis runs the learner's script (in its own child process) to its end
(up to `DEFAULT_TIME_LIMIT`), or its first `QUICK_MAX_STEPS` steps with "quick",
so it runs in a thread worker. What the run has shown so far (steps, elapsed,
the latest losses) arrives as `DiagnoseProgress` about twice a second, the
report as `DiagnoseDone`. `s` stops the script the way Ctrl-C does on the CLI:
the child is asked to stop and reports what it saw. Leaving the screen (or
quitting the lab) cancels the worker, whose next progress call ends the child
at once. A finding that names a lesson opens it with Enter.

At 80x24 the findings come first: each is two lines (severity, check id and
file:line, then the message), the list takes the rows it needs (up to
`LIST_ROWS`), the highlighted finding's evidence and fix follow, and the
per-layer chart gets what is left, or hides when that is under `CHART_MIN_ROWS`.
"""

from __future__ import annotations

import math
import os
import shlex
import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, Header, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from dllab.diagnose.api import DEFAULT_TIME_LIMIT, QUICK_MAX_STEPS, QUICK_TIME_LIMIT
from dllab.diagnose.findings import Finding
from dllab.diagnose.report import STATUS_TEXT, Report
from dllab.logscale import log_bars
from dllab.tui.i18n import tr
from dllab.tui.messages import DiagnoseDone, DiagnoseProgress
from dllab.tui.screens.base import LabScreen
from dllab.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from dllab.diagnose.runner import Progress

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LOG_LINES = 6
"""How many of the script's last output lines to show when it could not be diagnosed."""
CHART_MIN_ROWS = 6
"""Below this the per-layer chart is hidden (the findings matter more)."""


class DiagnoseAbandoned(Exception):
    """The screen went away: raised from the progress callback, it ends the child at once
    (`run_child` kills the script's process group on the way out)."""


def progress_text(path: str, progress: Progress, lang: str) -> Text:
    """The live status: steps observed, elapsed, the latest losses, and the keys."""
    parts = [tr("diag_progress", lang, path=path, steps=progress.steps, seconds=progress.seconds)]
    if progress.train_loss is not None:
        parts.append(tr("diag_train_loss", lang, value=progress.train_loss))
    if progress.val_loss is not None:
        parts.append(tr("diag_val_loss", lang, value=progress.val_loss))
    text = Text(" · ".join(parts))
    text.append("\n" + tr("diag_keys", lang), style="dim")
    return text


def finding_text(finding: Finding, colors: bool = True) -> Text:
    """One finding as two lines: `severity check file:line`, then the message.

    Without colour (NO_COLOR) the severity is only bold: red turned into a dark grey
    that the highlighted row's grey background all but hid."""
    severity = finding.severity.value
    text = Text(no_wrap=False)
    style = SEVERITY_STYLE.get(severity, "") if colors else "bold"
    text.append(f"{severity:<7} ", style=style)
    text.append(finding.check, style="bold")
    location = finding.location
    if location.file:
        where = os.path.basename(location.file)
        text.append(f"  {where}:{location.line}" if location.line else f"  {where}", style="dim")
    text.append(f"\n  {finding.message}")
    return text


def quick_label(lang: str, on: bool) -> str:
    """The quick toggle's label; it names its state (without colour the box looks the same)."""
    return tr("diag_quick_on" if on else "diag_quick_off", lang, steps=QUICK_MAX_STEPS)


class DiagnoseScreen(LabScreen):
    """Find bugs in your own training script."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "stop", "Stop and report"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__(name="diagnose")
        self.findings: list[Finding] = []
        self.report: Report | None = None
        self.progress: Progress | None = None
        """What the running diagnosis has shown so far (None: none running, or none yet)."""
        self.runs = 0
        """Diagnoses started on this screen; messages of an older one are ignored."""
        self.running = False
        self._stop = threading.Event()
        """Set by `s`: the running diagnosis stops its script and reports."""
        self._path = ""

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Header()
        with Horizontal(id="diag-inputs"):
            yield Input(placeholder=tr("diag_path", lang), id="path", compact=True)
            yield Input(placeholder=tr("diag_args", lang), id="args", compact=True)
            yield Checkbox(quick_label(lang, False), id="quick", compact=True)
        yield Static(id="diag-status")
        yield OptionList(id="findings", compact=True)
        yield Static(id="finding-detail")
        yield PlotextPlot(id="diag-chart")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#diag-chart").display = False
        self.query_one("#findings").display = False
        self.title = "dllab"
        self.refresh_texts()
        self.query_one("#path", Input).focus()

    def refresh_texts(self) -> None:
        """Language changed."""
        super().refresh_texts()
        self.retitle(tr("diagnose", self.lang))
        self.query_one("#path", Input).placeholder = tr("diag_path", self.lang)
        self.query_one("#args", Input).placeholder = tr("diag_args", self.lang)
        quick = self.query_one("#quick", Checkbox)
        quick.label = quick_label(self.lang, quick.value)
        if self.running and self.progress is not None:
            self.show_progress()

    def on_screen_resume(self) -> None:
        self.refresh_texts()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_chart)

    @on(Checkbox.Changed, "#quick")
    def _quick(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = quick_label(self.lang, event.value)

    @on(Input.Submitted)
    def _start(self, event: Input.Submitted) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.query_one("#path", Input).focus()
            return
        self.clear()
        status = self.query_one("#diag-status", Static)
        try:
            args = shlex.split(self.query_one("#args", Input).value)
        except ValueError as exc:  # an unclosed quote
            status.update(Text(f"{tr('diag_args', self.lang)}: {exc}", style="bold red"))
            return
        text = Text(tr("diag_running", self.lang, path=path))
        status.update(text.append("\n" + tr("diag_keys", self.lang), style="dim"))
        self.runs += 1
        self.running, self.progress, self._path = True, None, path
        self._stop = threading.Event()
        self.set_focus(None)  # `s` stops, not types
        self.refresh_bindings()
        quick = self.query_one("#quick", Checkbox).value
        self._diagnose(self.runs, path, args, self.lab.options.device, quick, self._stop)

    def clear(self) -> None:
        """Forget the previous script's findings, evidence and chart."""
        self.findings, self.report = [], None
        options = self.query_one(OptionList)
        options.clear_options()
        options.display = False
        self.query_one("#finding-detail", Static).update("")
        self.query_one("#diag-chart").display = False

    @work(thread=True, exclusive=True, group="diagnose", exit_on_error=False)
    def _diagnose(
        self, run: int, path: str, args: list[str], device: str, quick: bool, stop: threading.Event
    ) -> None:
        from dllab.diagnose.api import diagnose_file

        worker = get_current_worker()
        interrupted = False

        def on_progress(progress: Progress) -> None:
            # Called by `run_child` between its polls of the child, on this thread, also
            # while the script stops after `s`: leaving the screen then still ends the
            # child at once, not after the runner's grace for a script that ignores Ctrl-C
            nonlocal interrupted
            if worker.is_cancelled:
                raise DiagnoseAbandoned
            if stop.is_set():
                if not interrupted:  # once: a second one would cut the child's report short
                    interrupted = True
                    raise KeyboardInterrupt  # what Ctrl-C does: the child stops, reports
                return
            self.post_message(DiagnoseProgress(run, progress))

        try:
            report = diagnose_file(
                path,
                args=args,
                max_steps=QUICK_MAX_STEPS if quick else None,
                time_limit=QUICK_TIME_LIMIT if quick else DEFAULT_TIME_LIMIT,
                device=device,
                on_progress=on_progress,
            )
        except DiagnoseAbandoned:
            return
        except Exception as exc:  # diagnose_file reports the script's problems; this is ours
            self.post_message(DiagnoseDone(path, None, f"{type(exc).__name__}: {exc}", run))
            return
        if not worker.is_cancelled:
            self.post_message(DiagnoseDone(path, report, run=run))

    def on_diagnose_progress(self, message: DiagnoseProgress) -> None:
        if message.run != self.runs or not self.running:
            return
        self.progress = message.progress
        if not self._stop.is_set():
            self.show_progress()

    def show_progress(self) -> None:
        """The live status line of the running diagnosis."""
        if self.progress is not None:
            text = progress_text(self._path, self.progress, self.lang)
            self.query_one("#diag-status", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`s` only while a diagnosis runs (the footer shows it then)."""
        if action == "stop":
            return self.running and not self._stop.is_set()
        return True

    def action_stop(self) -> None:
        """Stop the script where it is and diagnose what it ran (as Ctrl-C on the CLI)."""
        if not self.running or self._stop.is_set():
            return
        self._stop.set()
        status = self.query_one("#diag-status", Static)
        status.update(Text(tr("diag_stopping", self.lang, path=self._path), style="yellow"))
        self.refresh_bindings()

    def on_diagnose_done(self, message: DiagnoseDone) -> None:
        if message.run != self.runs:
            return
        stopped = self._stop.is_set()
        self.running, self.progress = False, None
        self.refresh_bindings()
        self.clear()
        status = self.query_one("#diag-status", Static)
        report = message.report
        if message.error or report is None:
            status.update(Text(message.error or "no report", style="bold red"))
            self.query_one("#path", Input).focus()
            return
        self.report = report
        detail = report.detail
        if stopped and report.status == "interrupted":
            head = f"{message.path}: {tr('diag_stopped', self.lang)}"
            detail = ""
        else:
            head = f"{message.path}: {STATUS_TEXT.get(report.status, report.status)}"
        if detail:
            head += f" ({detail})"
        if not report.diagnosed:
            text = Text(head, style="bold red")
            tail = report.log_tail.strip().splitlines()[-LOG_LINES:]
            if tail:
                text.append("\n" + "\n".join(tail), style="")
            status.update(text)
            self.query_one("#path", Input).focus()
            return
        self.findings = list(report.findings)
        self.show_layers(report.grad_norms)
        if not self.findings:
            steps = report.steps_observed
            status.update(
                Text(f"{head}\n" + tr("diag_none", self.lang, steps=steps), style="green")
            )
            self.query_one("#path", Input).focus()
            return
        status.update(
            f"{head} · {len(self.findings)} finding(s) · {report.steps_observed} steps observed"
        )
        options = self.query_one(OptionList)
        options.display = True
        for i, finding in enumerate(self.findings):
            options.add_option(Option(finding_text(finding, not self.app.no_color), id=str(i)))
        options.highlighted = 0
        options.focus()

    def show_layers(self, grad_norms: dict[str, float]) -> None:
        """Per-layer gradient norms of the diagnosed script as log10 bars."""
        chart = self.query_one("#diag-chart", PlotextPlot)
        values = {k: v for k, v in grad_norms.items() if math.isfinite(v) and v > 0}
        chart.display = bool(values)
        if not values:
            return
        plt = chart.plt
        plt.clear_data()
        plt.title("gradient norm per layer (log10)")
        (heights,), ticks = log_bars([list(values.values())])  # as the lesson charts draw them
        plt.bar(list(values), heights, marker="hd")
        plt.yticks(*ticks)
        chart.refresh()
        self.call_after_refresh(self._fit_chart)

    def _fit_chart(self) -> None:
        """Hide the chart when the findings leave it too few rows to read."""
        chart = self.query_one("#diag-chart", PlotextPlot)
        if self.report is None or not self.report.grad_norms:
            return
        used = sum(
            w.outer_size.height
            for w in self.query("Header, #diag-inputs, #diag-status, #findings, #finding-detail")
            if w.display
        )
        chart.display = self.size.height - used - 1 >= CHART_MIN_ROWS

    @on(OptionList.OptionHighlighted, "#findings")
    def _detail(self, event: OptionList.OptionHighlighted) -> None:
        finding = self.findings[int(event.option.id or 0)]
        text = Text()
        if finding.evidence:
            text.append(f"{finding.evidence}\n")
        if finding.fix:
            text.append("fix: ", style="bold")
            text.append(f"{finding.fix}\n")
        if finding.lesson:
            text.append(tr("open_lesson", self.lang, lesson=finding.lesson), style="bold cyan")
        self.query_one("#finding-detail", Static).update(text)
        self.call_after_refresh(self._fit_chart)

    @on(OptionList.OptionSelected, "#findings")
    def _open(self, event: OptionList.OptionSelected) -> None:
        lesson = self.findings[int(event.option.id or 0)].lesson
        if lesson:
            try:
                self.lab.open_lesson(lesson)
            except Exception as exc:  # a finding may name a lesson still to come
                self.notify(str(exc), severity="warning")

    def action_back(self) -> None:
        """Back to where you came from."""
        if self.focused is self.query_one("#findings"):
            self.query_one("#path", Input).focus()
        else:
            self.app.pop_screen()
