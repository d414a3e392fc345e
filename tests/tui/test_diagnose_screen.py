"""The Diagnose screen at 80x24 and 120x40, on reports built here (no child process).

`diagnose_file` is replaced by `FakeDiagnose`, which answers per script name the
way the real one does (a `Report`), so these tests check what the screen shows.
"""

from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import OptionList, Static

from dllab.diagnose.api import DEFAULT_TIME_LIMIT, QUICK_MAX_STEPS, QUICK_TIME_LIMIT
from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.report import Report
from dllab.diagnose.runner import Progress
from dllab.tui.app import LabApp
from dllab.tui.screens.diagnose import DiagnoseScreen
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.keybar import KeyBar

from .conftest import wait_until

Lab = Callable[..., LabApp]
SIZES = [(80, 24), (120, 40)]

FINDINGS = [
    Finding(
        check="dead-relu",
        severity=Severity.ERROR,
        message="Dead units in Sequential: 1 activation layer(s) are mostly inactive.",
        evidence="3: 100% of 64 units never fired over 1,024 samples",
        location=Location("/home/me/project/train.py", 7),
        fix="Lower the learning rate (Adam <= 1e-3) or add warmup; use Kaiming init.",
        lesson="decay",
    ),
    Finding(
        check="missing-eval",
        severity=Severity.WARNING,
        message="The model is evaluated in training mode.",
        evidence="dropout active during validation",
        location=Location("/home/me/project/train.py", 31),
        fix="Call model.eval() before validating.",
    ),
]
NORMS = {f"{i}": 10.0 ** (-i) for i in range(20)}
USAGE = "usage: train.py [-h] --lr LR\ntrain.py: error: the following arguments are required: --lr"


class FakeDiagnose:
    """Stands in for `dllab.diagnose.api.diagnose_file`; remembers its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.budgets: list[tuple[int | None, float]] = []
        self.ended: str = ""
        """How the last long run ended: 'interrupted' (KeyboardInterrupt) or the exception."""

    def __call__(
        self,
        path: str,
        *,
        args: Any = (),
        max_steps: int | None = None,
        time_limit: float = 0.0,
        on_progress: Callable[[Progress], None] | None = None,
        **_: Any,
    ) -> Report:
        self.calls.append((path, list(args)))
        self.budgets.append((max_steps, time_limit))
        if path == "long.py":
            return self.long_run(path, on_progress)
        if path == "missing.py":
            return Report(path, "missing-file", detail=f"{path}: no such file")
        if path == "argy.py" and not args:
            return Report(path, "exit", detail="sys.exit(2)", log_tail=USAGE)
        if path == "clean.py":
            return Report(path, "completed", steps_observed=20)
        return Report(path, "completed", list(FINDINGS), steps_observed=8, grad_norms=NORMS)

    def long_run(self, path: str, on_progress: Callable[[Progress], None] | None) -> Report:
        """A run that goes on until stopped, as `run_child` does: a KeyboardInterrupt from
        `on_progress` stops the script and reports; any other exception ends it."""
        assert on_progress is not None
        step = 0
        try:
            while step < 1_000_000:
                step += 10
                on_progress(Progress(step, step / 100, 1.0 / step, 0.5 + step / 1000))
                time.sleep(0.02)
        except KeyboardInterrupt:
            self.ended = "interrupted"
            return Report(path, "interrupted", FINDINGS[:1], steps_observed=step, grad_norms=NORMS)
        except BaseException as exc:
            self.ended = type(exc).__name__
            raise
        raise AssertionError("never stopped")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDiagnose:
    fake = FakeDiagnose()
    module = types.ModuleType("dllab.diagnose.api")
    module.diagnose_file = fake  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dllab.diagnose.api", module)
    return fake


def status_text(screen: DiagnoseScreen) -> str:
    return str(screen.query_one("#diag-status", Static).render())


async def diagnose(pilot: Any, path: str, args: str = "") -> DiagnoseScreen:
    """Type a path (and arguments) on the Diagnose screen, submit, wait for the report."""
    app = pilot.app
    if not isinstance(app.screen, DiagnoseScreen):
        await pilot.press("d")
    screen = app.screen
    assert isinstance(screen, DiagnoseScreen)
    screen.query_one("#path").value = path
    screen.query_one("#args").value = args
    screen.report = None
    screen.query_one("#path").focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen.report is not None, 10)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_findings_show_severity_check_and_line_at_every_size(
    lab: Lab, fake: FakeDiagnose, size: tuple[int, int]
) -> None:
    """At 80x24 the list had zero rows: only the evidence and fix were visible."""
    app = lab()
    async with app.run_test(size=size) as pilot:
        screen = await diagnose(pilot, "train.py")
        findings = screen.query_one("#findings", OptionList)
        assert findings.display and findings.region.height >= 4, findings.region
        assert findings.region.bottom <= screen.region.bottom - 1, "above the footer"
        first = str(findings.get_option_at_index(0).prompt)
        assert "error" in first and "dead-relu" in first and "train.py:7" in first
        detail = screen.query_one("#finding-detail", Static)
        assert detail.region.height >= 3 and detail.region.bottom <= screen.region.bottom - 1
        assert "never fired" in str(detail.render()) and "fix:" in str(detail.render())
        chart = screen.query_one("#diag-chart")
        if chart.display:
            assert chart.region.height >= 6 and chart.region.bottom <= screen.region.bottom - 1
        await pilot.press("down")
        assert "model.eval()" in str(detail.render())
        await pilot.press("up", "enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "decay"


async def test_a_missing_file_after_findings_shows_the_error_not_the_old_evidence(
    lab: Lab, fake: FakeDiagnose
) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await diagnose(pilot, "train.py")
        assert screen.findings
        screen = await diagnose(pilot, "missing.py")
        status = status_text(screen)
        assert "could not be read" in status and "no such file" in status
        assert "No problems found" not in status
        assert screen.findings == [] and not screen.query_one("#findings").display
        assert str(screen.query_one("#finding-detail", Static).render()) == ""
        assert not screen.query_one("#diag-chart").display


async def test_the_scripts_arguments_are_passed_and_its_usage_error_is_shown(
    lab: Lab, fake: FakeDiagnose
) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await diagnose(pilot, "argy.py")
        status = status_text(screen)
        assert "non-zero status" in status and "usage: train.py [-h] --lr LR" in status
        assert "No problems found" not in status
        screen = await diagnose(pilot, "argy.py", "--lr '0.1'")
        assert fake.calls[-1] == ("argy.py", ["--lr", "0.1"])
        assert screen.findings, "with its arguments the script ran and was diagnosed"


async def test_a_clean_script_says_so(lab: Lab, fake: FakeDiagnose) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await diagnose(pilot, "clean.py")
        assert "No problems found (20 steps observed)" in status_text(screen)


async def start(pilot: Any, path: str) -> DiagnoseScreen:
    """Type a path on the Diagnose screen and submit it (without waiting for the report)."""
    await pilot.press("d")
    screen = pilot.app.screen
    assert isinstance(screen, DiagnoseScreen)
    screen.query_one("#path").value = path
    screen.query_one("#path").focus()
    await pilot.press("enter")
    return screen


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_whole_run_shows_progress_and_s_stops_it_with_its_findings(
    lab: Lab, fake: FakeDiagnose, lang: str
) -> None:
    app = lab(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "long.py")
        await wait_until(pilot, lambda: screen.progress is not None and screen.progress.steps >= 50)
        await pilot.pause()
        status = status_text(screen)
        steps, loss, key = (
            ("步", "训练损失", "按 s") if lang == "zh" else ("steps", "train loss", "s: stop")
        )
        assert steps in status and loss in status and key in status, status
        assert ("验证损失" if lang == "zh" else "val loss") in status, status
        stop_word = "停止并报告" if lang == "zh" else "Stop and report"
        assert stop_word in str(screen.query_one(KeyBar).render())
        assert fake.budgets[-1] == (None, DEFAULT_TIME_LIMIT), "the whole run by default"
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.report is not None, 10)
        await pilot.pause()
        assert fake.ended == "interrupted"
        status = status_text(screen)
        assert ("已按 s 停止" if lang == "zh" else "stopped with s") in status, status
        findings = screen.query_one("#findings", OptionList)
        assert findings.display and findings.region.bottom <= screen.region.bottom - 1
        assert "dead-relu" in str(findings.get_option_at_index(0).prompt)
        assert stop_word not in str(screen.query_one(KeyBar).render()), "nothing left to stop"


async def test_quick_looks_at_the_first_steps_only(lab: Lab, fake: FakeDiagnose) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        screen = app.screen
        assert isinstance(screen, DiagnoseScreen)
        quick = screen.query_one("#quick")
        assert quick.region.right <= 80 and "off" in str(quick.render())
        await pilot.press("tab", "tab", "space")
        assert quick.value
        await pilot.pause()
        assert "first 300 steps" in str(quick.render()), "the state reads without colour"
        assert quick.region.right <= 80
        await diagnose(pilot, "clean.py")
        assert fake.budgets[-1] == (QUICK_MAX_STEPS, QUICK_TIME_LIMIT)


async def test_leaving_the_screen_ends_the_diagnosis(lab: Lab, fake: FakeDiagnose) -> None:
    """Esc while the script runs: the worker is cancelled and ends the child at once."""
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "long.py")
        await wait_until(pilot, lambda: screen.progress is not None)
        await pilot.press("escape")
        assert not isinstance(app.screen, DiagnoseScreen)
        await wait_until(pilot, lambda: fake.ended != "", 5)
        assert fake.ended == "DiagnoseAbandoned"


def test_without_colour_the_severity_is_bold_not_a_dark_grey() -> None:
    # NO_COLOR turns "bold red" into a dark grey, which the highlighted finding's grey
    # background all but hid: without colour the severity word is only bold
    from dllab.tui.screens.diagnose import finding_text

    finding = Finding(
        "double-softmax",
        Severity.ERROR,
        "Softmax output is fed to CrossEntropyLoss",
        "",
        Location("train.py", 8),
    )
    coloured = finding_text(finding)
    plain = finding_text(finding, colors=False)
    assert coloured.plain == plain.plain
    assert plain.plain.startswith("error   double-softmax  train.py:8\n")
    assert "red" in str(coloured.spans[0].style)
    assert [str(span.style) for span in plain.spans if span.start == 0] == ["bold"]
