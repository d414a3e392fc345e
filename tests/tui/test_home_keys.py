"""Typing on the home screen does what the footer says, at 80x24 and 120x40.

Letters are commands; after `/` every key types into the filter, command letters
included; Escape clears it and the arrows and Enter go on from where they were.
Runs on the real course (14+ lessons), which has words with command letters.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual import events
from textual.widgets import Input, OptionList

from dllab.tui.app import LabApp, make_app
from dllab.tui.screens.home import HomeScreen
from dllab.tui.screens.lesson import LessonScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def course_lab(monkeypatch: pytest.MonkeyPatch) -> Callable[[], LabApp]:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)  # the real course
    return lambda: make_app(lang="en", fps=20.0)


def home(app: LabApp) -> HomeScreen:
    assert isinstance(app.screen, HomeScreen), type(app.screen).__name__
    return app.screen


def highlighted(screen: HomeScreen) -> str | None:
    option = screen.query_one(OptionList).highlighted_option
    return option.id if option is not None else None


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("word", ["dead", "logits", "relu", "clip"])
async def test_a_filter_word_with_command_letters_filters(
    course_lab: Callable[[], LabApp], size: tuple[int, int], word: str
) -> None:
    """'dead' used to open Diagnose, 'logits' to switch the UI to Chinese."""
    app = course_lab()
    async with app.run_test(size=size) as pilot:
        screen = home(app)
        await pilot.press("slash", *word)
        assert app.screen is screen and app.lang == "en"
        assert screen.query_one("#filter", Input).value == word
        assert screen.filter_text == word


async def test_escape_clears_the_filter_and_the_arrows_move_on(
    course_lab: Callable[[], LabApp],
) -> None:
    app = course_lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = home(app)
        ids = [lesson.id for lesson in app.course.lessons]
        await pilot.press("slash", *"relu")
        found = highlighted(screen)
        assert found in ids
        await pilot.press("escape")
        assert screen.filter_text == "" and highlighted(screen) == found
        assert isinstance(app.screen.focused, OptionList)
        await pilot.press("down")
        after = highlighted(screen)
        assert after is not None and ids.index(after) == ids.index(found) + 1
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == after


async def test_a_filter_that_matched_nothing_gives_back_the_old_highlight(
    course_lab: Callable[[], LabApp],
) -> None:
    app = course_lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = home(app)
        await pilot.press("down", "down", "down")
        before = highlighted(screen)
        await pilot.press("slash", *"zzzz", "escape")
        assert highlighted(screen) == before
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == before


async def test_the_arrows_move_the_highlight_while_typing(
    course_lab: Callable[[], LabApp],
) -> None:
    app = course_lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = home(app)
        await pilot.press("slash", *"re")
        first = highlighted(screen)
        await pilot.press("down")
        second = highlighted(screen)
        assert second != first and isinstance(app.screen.focused, Input)
        await pilot.press(*"l")  # still typing
        assert screen.filter_text == "rel"


@pytest.mark.parametrize("burst", ["/dead", "/logits"])
async def test_a_filter_typed_in_one_burst_keeps_every_letter(
    course_lab: Callable[[], LabApp], burst: str
) -> None:
    """A terminal hands `/dead` typed fast (or pasted) over as one read: every key is queued
    before the first is handled. The letters after `/` were routed to the list and lost."""
    app = course_lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = home(app)
        for char in burst:  # queued at once, as the driver does with one read
            app.post_message(events.Key("slash" if char == "/" else char, char))
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen and app.lang == "en"
        assert screen.query_one("#filter", Input).value == burst[1:]
        await pilot.press("slash")  # in the filter, / types
        assert screen.query_one("#filter", Input).value == burst[1:] + "/"
