"""The Diagnose screen: run `dllab.diagnose.api.diagnose_file` on a script, list findings.

The diagnosis runs the learner's script (in its own child process) for a few
steps, so it runs in a thread worker; the findings arrive as a `DiagnoseDone`
message. A finding that names a lesson opens it with Enter.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from dllab.tui.i18n import tr
from dllab.tui.messages import DiagnoseDone
from dllab.tui.screens.base import LabScreen
from dllab.tui.widgets.keybar import KeyBar

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _field(obj: Any, name: str, default: Any = "") -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def finding_text(finding: Any) -> Text:
    """One finding as a line: severity, check, message, where."""
    severity = str(_field(finding, "severity", "info"))
    severity = severity.split(".")[-1].lower()
    text = Text()
    text.append(f"{severity:>7} ", style=SEVERITY_STYLE.get(severity, ""))
    text.append(f"{_field(finding, 'check')}: ", style="bold")
    text.append(str(_field(finding, "message")))
    location = _field(finding, "location", None)
    if location:
        file, line = _field(location, "file"), _field(location, "line")
        if file:
            text.append(f"  {file}:{line}" if line else f"  {file}", style="dim")
    return text


class DiagnoseScreen(LabScreen):
    """Find bugs in your own training script."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__(name="diagnose")
        self.findings: list[Any] = []

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Header()
        yield Input(placeholder=tr("diag_path", lang), id="path")
        yield Static(id="diag-status")
        yield OptionList(id="findings")
        yield Static(id="finding-detail")
        yield PlotextPlot(id="diag-chart")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#diag-chart").display = False
        self.title = "dllab"
        self.refresh_texts()
        self.query_one("#path", Input).focus()

    def refresh_texts(self) -> None:
        """Language changed."""
        super().refresh_texts()
        self.sub_title = tr("diagnose", self.lang)

    def on_screen_resume(self) -> None:
        self.refresh_texts()

    @on(Input.Submitted, "#path")
    def _start(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            return
        self.query_one("#diag-status", Static).update(tr("diag_running", self.lang, path=path))
        self.query_one(OptionList).clear_options()
        self._diagnose(path, self.lab.options.device)

    @work(thread=True, exclusive=True, group="diagnose", exit_on_error=False)
    def _diagnose(self, path: str, device: str) -> None:
        from dllab.diagnose.api import diagnose_file

        try:
            report = diagnose_file(path, device=device)
        except Exception as exc:  # DiagnoseError, ScriptLoadError, or anything the script raised
            self.post_message(DiagnoseDone(path, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DiagnoseDone(path, report))

    def on_diagnose_done(self, message: DiagnoseDone) -> None:
        status = self.query_one("#diag-status", Static)
        options = self.query_one(OptionList)
        options.clear_options()
        if message.error:
            status.update(Text(message.error, style="bold red"))
            return
        report = message.report
        self.show_layers(_field(report, "grad_norms", {}) or {})
        self.findings = list(_field(report, "findings", []) or [])
        steps = _field(report, "steps_observed", "?")
        head = f"{message.path}: {_field(report, 'status', '')}"
        detail = _field(report, "detail", "")
        if detail:
            head += f" ({detail})"
        if not self.findings:
            status.update(
                Text(f"{head}\n" + tr("diag_none", self.lang, steps=steps), style="green")
            )
            return
        status.update(f"{head} · {len(self.findings)} finding(s) · {steps} steps observed")
        for i, finding in enumerate(self.findings):
            options.add_option(Option(finding_text(finding), id=str(i)))
        options.highlighted = 0
        options.focus()

    def show_layers(self, grad_norms: dict[str, float]) -> None:
        """Per-layer gradient norms of the diagnosed script as log10 bars."""
        chart = self.query_one("#diag-chart", PlotextPlot)
        values = {k: v for k, v in grad_norms.items() if isinstance(v, (int, float)) and v > 0}
        chart.display = bool(values)
        if not values:
            return
        plt = chart.plt
        plt.clear_data()
        plt.title("gradient norm per layer (log10)")
        plt.bar(list(values), [math.log10(v) for v in values.values()], marker="hd")
        chart.refresh()

    @on(OptionList.OptionHighlighted, "#findings")
    def _detail(self, event: OptionList.OptionHighlighted) -> None:
        finding = self.findings[int(event.option.id or 0)]
        text = Text()
        evidence = _field(finding, "evidence")
        if evidence:
            text.append(f"{evidence}\n")
        fix = _field(finding, "fix")
        if fix:
            text.append("fix: ", style="bold")
            text.append(f"{fix}\n")
        lesson = _field(finding, "lesson")
        if lesson:
            text.append(tr("open_lesson", self.lang, lesson=lesson), style="bold cyan")
        self.query_one("#finding-detail", Static).update(text)

    @on(OptionList.OptionSelected, "#findings")
    def _open(self, event: OptionList.OptionSelected) -> None:
        lesson = _field(self.findings[int(event.option.id or 0)], "lesson")
        if lesson:
            try:
                self.lab.open_lesson(str(lesson))
            except Exception as exc:
                self.notify(str(exc), severity="warning")

    def action_back(self) -> None:
        """Back to where you came from."""
        if self.focused is self.query_one("#findings"):
            self.query_one("#path", Input).focus()
        else:
            self.app.pop_screen()
