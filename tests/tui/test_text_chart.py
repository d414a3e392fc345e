"""Lesson 26's generated sample in the lab at 80x24: every arm's text reads whole, with and without colour.

The sample chart is brought up with `c` as a learner does and fed what the
experiment records: one character code per `sample/<i>`, ended by -1; 12 + 60
characters for a sample, the error line for the arm whose backward failed.
"""

from __future__ import annotations

import pytest

from dllab.charts import NEWLINE_MARK
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.tui.app import make_app
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import MetricChart

TEXTS = {
    "detach": "Beautiful is better than never.\nAlthough never.\nAlthough never.\nAlthough",
    "keep": "RuntimeError: Trying to backward through the graph a second time",
    "full": "Beautiful is better than never.\nAlthough never.\nAlthough pract* notw.\nNac",
}


def sample_history() -> RunHistory:
    history = RunHistory()
    for arm, text in TEXTS.items():
        codes = [float(ord(c)) for c in text] + [-1.0]
        history.add([MetricPoint("r", arm, 149, f"sample/{i}", v) for i, v in enumerate(codes)])
    return history


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_sample_reads_whole_at_80x24(
    monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(lang="en", fps=20.0, ascii_markers=no_color)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson("truncated-bptt-perplexity")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        ids = [spec.id for spec in screen.lesson.charts]
        for _ in range(ids.index("sample")):
            await pilot.press("c")
        await pilot.pause(0.2)
        [chart] = [c for c in screen.query(MetricChart) if c.display]
        assert chart.spec.id == "sample"
        labels = {name: arm.label["en"] for name, arm in screen.lesson.arms.items()}
        chart.update(sample_history(), list(screen.lesson.arms), labels=labels)
        chart.replot()
        assert chart.plot.size.width <= 48  # the right column of the lesson screen
        rows = [line.strip("│ ") for line in chart.picture.splitlines()]
        text_rows = [r for r in rows if r and not set(r) <= set("─┌┐└┘")]
        for marker, text in zip("*+o", TEXTS.values(), strict=True):
            start = next(i for i, r in enumerate(text_rows) if r.startswith(marker + " "))
            joined = text_rows[start][2:]
            for row in text_rows[start + 1 :]:
                if row[:1] in "*+o" and row[1:2] == " ":
                    break
                joined += row
            assert joined == text.replace("\n", NEWLINE_MARK), chart.picture
        legend = [(entry.marker, entry.name) for entry in chart.legend_entries]
        assert legend == [("*", labels["detach"]), ("+", labels["keep"]), ("o", labels["full"])]
