"""Every chart title of the course reads whole in the lab at 80x24 (it wraps, never cut).

At 80x24 the chart column is 48 cells wide; a title used to end in "…" after 48
cells, which cut most of the course's titles. A title now wraps onto a second
line, and `dllab lessons check` refuses one that needs a third
(`TITLE_WIDTH`, `TITLE_LINES`). This measures both with Textual's own layout.
"""

from __future__ import annotations

import pytest

from dllab.curriculum.check import TITLE_LINES, TITLE_WIDTH, wrap_cells
from dllab.curriculum.model import pick
from dllab.tui.app import make_app
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import MetricChart


async def test_every_title_fits_the_width_it_gets_at_80x24(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang="en", fps=20.0)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson("cnn-weight-sharing")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        chart = next(c for c in screen.query(MetricChart) if c.display)
        heading = chart.heading
        assert heading.content_region.width == TITLE_WIDTH, "the lab's layout changed"
        # the lesson's own first title, shown whole on two lines at most
        title = pick(chart.spec.title, "en")
        shown = " ".join(
            "".join(seg.text for seg in strip).strip()
            for strip in heading.render_lines(heading.content_region.reset_offset)
        ).strip()
        assert shown == title and "…" not in shown, shown
        for lesson in app.course.lessons:
            for spec in lesson.charts:
                for lang, text in spec.title.items():
                    heading.update(text)
                    lines = heading.get_content_height(chart.size, app.size, TITLE_WIDTH)
                    where = f"{lesson.id} chart {spec.id} ({lang}): {text}"
                    assert lines <= TITLE_LINES, where
                    # what `dllab lessons check` computes is what Textual shows
                    assert lines == len(wrap_cells(text, TITLE_WIDTH)), where
