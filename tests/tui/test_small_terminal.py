"""The lab at 80x24 (and 120x40): nothing the learner needs is cut or hidden.

Every check of the claim reads whole, the status line keeps the ETA, the footer
lists every key, and the help text wraps at the dialog's width.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from dllab.tui.app import LabApp
from dllab.tui.screens.dialogs import HELP_EN, HELP_ZH, HelpScreen
from dllab.tui.screens.home import HomeScreen
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import MetricChart
from dllab.tui.widgets.claim import ClaimView
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.status import RunState

from .conftest import seeded_history, wait_until

Lab = Callable[..., LabApp]
SIZES = [(80, 24), (120, 40)]
LESSON_KEYS = ["r Run", "s Stop", "p Pause", "a Answers", "q Quit", "? Help", "l 中文/EN"]


def shown(widget: Widget) -> str:
    """What the widget puts on the terminal (after CSS wrapping and cropping), as text."""
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def footer(screen: Any) -> str:
    return shown(screen.query_one(KeyBar)).replace("\n", " ")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_key_is_in_the_footer(lab: Lab, size: tuple[int, int]) -> None:
    app = lab()
    async with app.run_test(size=size) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.pause()
        words = footer(app.screen)
        assert "d Diagnose" in words and "q Quit" in words, words
        bar = app.screen.query_one(KeyBar)
        assert bar.region.bottom == size[1] and bar.region.height <= 2
        await pilot.press("enter")
        await pilot.pause()
        words = footer(app.screen)
        for key in [*LESSON_KEYS, "d Diagnose"]:
            assert key in words, (key, words)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_check_of_the_claim_reads_whole(lab: Lab, size: tuple[int, int]) -> None:
    app = lab()
    async with app.run_test(size=size) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.show_history(seeded_history(), device="cpu")
        await pilot.pause()
        claim = screen.query_one(ClaimView)
        text = " ".join(shown(claim).split())
        for spec in screen.lesson.claims:
            assert spec.text["en"] in text, text
        assert "…" not in text
        assert claim.region.bottom < size[1] - 3
        charts = [c for c in screen.query(MetricChart) if c.display]
        assert charts and all(c.region.height >= 10 for c in charts)
        assert all(c.region.bottom <= size[1] - 2 for c in charts)


async def test_the_status_line_keeps_the_eta_at_80_columns(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "k", *"400", "escape", "r")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await wait_until(
            pilot,
            lambda: screen.state is RunState.RUNNING and screen.run.history.last_step() > 3,  # type: ignore[union-attr]
            30,
        )
        await pilot.pause(0.3)
        status = screen.query_one("#status", Static)
        text = shown(status)
        assert "ETA" in text and "/400" in text, text
        assert len(screen.status_text()) <= status.region.width - 2, screen.status_text()
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.run.running, 10)  # type: ignore[union-attr]


async def test_the_previous_run_is_named_in_the_legend(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.overlay = seeded_history(rate=0.05)
        screen.show_history(seeded_history(), device="cpu")
        await pilot.pause()
        chart = next(c for c in screen.query(MetricChart) if c.display)
        assert "previous run" in [entry.name for entry in chart.legend_entries]


def test_the_help_text_has_no_hard_breaks_inside_a_paragraph() -> None:
    """The dialog wraps the text; hard breaks at 78 columns made it ragged at 80."""
    for text in (HELP_EN, HELP_ZH):
        paragraphs = text.split("\n\n")
        assert len(paragraphs) == 2 and all("\n" not in p for p in paragraphs)


async def test_the_help_dialog_fits_80x24(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        dialog = app.screen.query_one(".dialog")
        assert dialog.region.right <= 80 and dialog.region.bottom <= 24
        assert "p" in str(app.screen.query_one(Static).render())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson", ["vanishing-gradients", "logits-not-probabilities"])
async def test_real_lessons_long_claims_read_whole(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], lesson: str
) -> None:
    """The course's longest claims, before any run (every check listed as pending).

    At 80x24 they are cut to one line per check (the chart keeps 6 plot rows); `m` shows them whole.
    """
    from dllab.tui.app import make_app

    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang="en", fps=20.0)
    if lesson not in app.lesson_order():
        pytest.skip(f"{lesson} is not in the course")
    async with app.run_test(size=size) as pilot:
        app.open_lesson(lesson)
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        claim = screen.query_one(ClaimView)
        if claim.short:  # cut to one line per check so the chart keeps its rows: m shows it whole
            assert size == (80, 24)
            await pilot.press("m")
            await pilot.pause(0.1)
        text = " ".join(shown(claim).split())
        assert "…" not in text, text
        for spec in screen.lesson.claims:
            assert " ".join(spec.text["en"].split()) in text, (spec.text["en"], text)
        charts = [c for c in screen.query(MetricChart) if c.display]
        assert charts and all(c.region.bottom <= size[1] - 2 for c in charts)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_enter_on_the_home_screen_is_named_in_the_footer_and_the_help(
    lab: Lab, lang: str
) -> None:
    # the lesson list's own (hidden) enter shadowed the screen's `enter Open`: the key a
    # learner needs first was in neither the footer nor the help
    app = lab(lang=lang)
    word = "打开" if lang == "zh" else "Open"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert f"enter {word}" in footer(app.screen), footer(app.screen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one(Static).render())
        assert "enter" in text and word in text, text
        await pilot.press("escape", "enter")  # and it still opens the lesson
        assert isinstance(app.screen, LessonScreen)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_lesson_with_every_part_keeps_every_key_at_80x24(
    monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """truncated-bptt-perplexity has a bug hunt, guesses and a sweep: the most keys.

    Every shown key is in the two footer lines, in both languages; `m` (not in the footer)
    is in the help with what it does, and the help says how to close it."""
    from dllab.tui.app import make_app

    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang=lang, fps=20.0)
    lesson = "truncated-bptt-perplexity"
    if lesson not in app.lesson_order():
        pytest.skip(f"{lesson} is not in the course")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson(lesson)
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        bar = screen.query_one(KeyBar)
        keys = bar.shown_keys()
        assert len(keys) >= 19, keys
        words = footer(screen)
        for _, shown_key, word, _ in keys:
            assert f"{shown_key} {word}" in words, (shown_key, word, words)
        assert bar.region.height <= 2 and bar.region.bottom == 24
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one(Static).render())
        claim, close = (
            ("完整论断", "关闭帮助") if lang == "zh" else ("Whole claim", "closes this help")
        )
        assert f"m  {claim}" in text and close in text, text


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_lesson_row_is_one_line_at_80x24(
    monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """A title too long for the row is cut (…), the status after it stays on the row:
    wrapped, 'new' took a row of its own under lesson 11 and read as a stray line."""
    from textual.widgets import OptionList

    from dllab.tui.app import make_app

    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang=lang, fps=20.0)
    status = "未开始" if lang == "zh" else "new"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        options = app.screen.query_one(OptionList)
        rows = [options.get_option_at_index(i) for i in range(options.option_count)]
        lessons = [o for o in rows if o.id]
        assert len(lessons) == len(app.lesson_order())
        width = options.scrollable_content_region.width
        for option in lessons:
            line = option.prompt
            assert isinstance(line, Text)
            assert line.cell_len <= width, (line.plain, line.cell_len, width)
            assert line.plain.endswith(f"  {status}"), line.plain
        if lang == "en":  # lesson 11's title is longer than its row
            assert any("…" in o.prompt.plain for o in lessons if isinstance(o.prompt, Text))


async def test_without_colour_the_cursor_is_black_on_white(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR (and TERM=linux): the highlighted lesson was bold on a bright grey, which a
    console without bright colours does not draw; now black on white, the marks uncoloured."""
    from textual.color import Color
    from textual.widgets import OptionList

    monkeypatch.setenv("NO_COLOR", "1")
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        options = app.screen.query_one(OptionList)
        style = options.get_visual_style("option-list--option", "option-list--option-highlighted")
        assert style.background == Color.parse("ansi_white"), style
        assert style.foreground == Color.parse("ansi_black"), style
        option = options.get_option_at_index(options.highlighted or 0)
        assert isinstance(option.prompt, Text)
        assert all(
            "green" not in str(s.style) and "yellow" not in str(s.style)
            for s in option.prompt.spans
        )
