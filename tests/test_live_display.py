"""`dllab run` on a terminal: the bars stay in sight at 80x24 and say how each arm ended."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dllab.commands.common import build_config, find_lesson
from dllab.commands.live import LiveDisplay
from dllab.engine.events import MetricPoint
from dllab.engine.run import Run


def _lines(live: LiveDisplay, run: Run) -> list[str]:
    console = Console(width=80, height=24, file=io.StringIO(), color_system=None)
    rendered = console.render_lines(live._render(run), console.options, pad=False)
    return ["".join(seg.text for seg in line).rstrip() for line in rendered]


def _bar(lines: list[str], arm: str) -> str:
    return next(line for line in lines if line.lstrip().startswith(arm + " "))


@pytest.fixture
def terminal_80x24(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # shutil.get_terminal_size reads these first
    monkeypatch.setenv("LINES", "24")


def test_bars_follow_the_run_and_fit_80x24(terminal_80x24: None) -> None:
    # truncated-bptt-perplexity's `keep` arm ends at its 2nd step (the backward error):
    # its bar used to sit at "2/150 -:--:--", and at 80x24 the charts pushed every bar
    # below the screen (rich's "..." where they should be)
    lesson = find_lesson("truncated-bptt-perplexity")
    config = build_config(lesson, [], 6, None, "cpu", [])
    live = LiveDisplay(lesson, config)
    run = Run(lesson, config, [live], record=False)
    live.on_metrics([MetricPoint(run.run_id, "detach", 2, "ppl", 40.0)])
    assert "3/6" in _bar(_lines(live, run), "detach")  # before the run: from the points alone
    run.start()
    assert run.wait(120) is not None
    lines = _lines(live, run)
    assert len(lines) <= 24 and "..." not in lines[-1]
    assert "6/6" in _bar(lines, "detach") and "done" in _bar(lines, "detach")
    assert "6/6" in _bar(lines, "full")
    keep = _bar(lines, "keep")
    assert "2/6" in keep and "ended at step 2" in keep and "-:--:--" not in keep
    # the charts are still there, each with its legend
    assert sum("━━\u00a0detach" in line and "full" in line for line in lines) == 2
