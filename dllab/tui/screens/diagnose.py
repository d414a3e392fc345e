"""The Diagnose screen: run `dllab.diagnose.api.diagnose_file` on a script, list findings.

The diagnosis runs the learner's script (in its own child process) for a few
steps, so it runs in a thread worker; the report arrives as a `DiagnoseDone`
message. A finding that names a lesson opens it with Enter.

At 80x24 the findings come first: each is two lines (severity, check id and
file:line, then the message), the list takes the rows it needs (up to
`LIST_ROWS`), the highlighted finding's evidence and fix follow, and the
per-layer chart gets what is left, or hides when that is under `CHART_MIN_ROWS`.
"""

from __future__ import annotations

import math
import os
import shlex
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from dllab.diagnose.findings import Finding
from dllab.diagnose.report import STATUS_TEXT, Report
from dllab.logscale import log_bars
from dllab.tui.i18n import tr
from dllab.tui.messages import DiagnoseDone
from dllab.tui.screens.base import LabScreen
from dllab.tui.widgets.keybar import KeyBar

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LOG_LINES = 6
"""How many of the script's last output lines to show when it could not be diagnosed."""
CHART_MIN_ROWS = 6
"""Below this the per-layer chart is hidden (the findings matter more)."""


def finding_text(finding: Finding) -> Text:
    """One finding as two lines: `severity check file:line`, then the message."""
    severity = finding.severity.value
    text = Text(no_wrap=False)
    text.append(f"{severity:<7} ", style=SEVERITY_STYLE.get(severity, ""))
    text.append(finding.check, style="bold")
    location = finding.location
    if location.file:
        where = os.path.basename(location.file)
        text.append(f"  {where}:{location.line}" if location.line else f"  {where}", style="dim")
    text.append(f"\n  {finding.message}")
    return text


class DiagnoseScreen(LabScreen):
    """Find bugs in your own training script."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__(name="diagnose")
        self.findings: list[Finding] = []
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Header()
        with Horizontal(id="diag-inputs"):
            yield Input(placeholder=tr("diag_path", lang), id="path", compact=True)
            yield Input(placeholder=tr("diag_args", lang), id="args", compact=True)
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
        self.sub_title = tr("diagnose", self.lang)
        self.query_one("#path", Input).placeholder = tr("diag_path", self.lang)
        self.query_one("#args", Input).placeholder = tr("diag_args", self.lang)

    def on_screen_resume(self) -> None:
        self.refresh_texts()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_chart)

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
        status.update(tr("diag_running", self.lang, path=path))
        self._diagnose(path, args, self.lab.options.device)

    def clear(self) -> None:
        """Forget the previous script's findings, evidence and chart."""
        self.findings, self.report = [], None
        options = self.query_one(OptionList)
        options.clear_options()
        options.display = False
        self.query_one("#finding-detail", Static).update("")
        self.query_one("#diag-chart").display = False

    @work(thread=True, exclusive=True, group="diagnose", exit_on_error=False)
    def _diagnose(self, path: str, args: list[str], device: str) -> None:
        from dllab.diagnose.api import diagnose_file

        try:
            report = diagnose_file(path, args=args, device=device)
        except Exception as exc:  # diagnose_file reports the script's problems; this is ours
            self.post_message(DiagnoseDone(path, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DiagnoseDone(path, report))

    def on_diagnose_done(self, message: DiagnoseDone) -> None:
        self.clear()
        status = self.query_one("#diag-status", Static)
        report = message.report
        if message.error or report is None:
            status.update(Text(message.error or "no report", style="bold red"))
            return
        self.report = report
        head = f"{message.path}: {STATUS_TEXT.get(report.status, report.status)}"
        if report.detail:
            head += f" ({report.detail})"
        if not report.diagnosed:
            text = Text(head, style="bold red")
            tail = report.log_tail.strip().splitlines()[-LOG_LINES:]
            if tail:
                text.append("\n" + "\n".join(tail), style="")
            status.update(text)
            return
        self.findings = list(report.findings)
        self.show_layers(report.grad_norms)
        if not self.findings:
            steps = report.steps_observed
            status.update(
                Text(f"{head}\n" + tr("diag_none", self.lang, steps=steps), style="green")
            )
            return
        status.update(
            f"{head} · {len(self.findings)} finding(s) · {report.steps_observed} steps observed"
        )
        options = self.query_one(OptionList)
        options.display = True
        for i, finding in enumerate(self.findings):
            options.add_option(Option(finding_text(finding), id=str(i)))
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
