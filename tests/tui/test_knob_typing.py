"""Knob fields check what is typed as it is typed (issue 13, item 9).

An int field used to accept `129x`, and an out-of-range value was refused only
at `r`. Now a number field takes only what can make a number, and a wrong value
says why under its field at once; the CLI refuses a negative seed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from textual.widgets import Input

from dllab.tui.app import LabApp, make_app
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.knobs import KnobsPanel

from .conftest import COURSE


@pytest.fixture
def course_lab(monkeypatch: pytest.MonkeyPatch) -> Callable[[], LabApp]:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)  # the real course: depth is an int knob
    return lambda: make_app(lang="en", fps=20.0)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_an_int_knob_refuses_letters_and_says_out_of_range_as_you_type(
    course_lab: Callable[[], LabApp], size: tuple[int, int]
) -> None:
    app = course_lab()
    if "vanishing-gradients" not in app.lesson_order():
        pytest.skip("the course has no vanishing-gradients lesson")
    async with app.run_test(size=size) as pilot:
        app.open_lesson("vanishing-gradients")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        panel = screen.query_one(KnobsPanel)
        await pilot.press("k")
        field = panel.fields["depth"][1]
        assert isinstance(field, Input)
        field.focus()
        await pilot.pause()
        await pilot.press(*"129x")  # the focus selected the old value
        assert field.value == "129", "the x is refused"
        message = panel.messages["depth"]
        assert message.display and "50" in str(message.render()), str(message.render())
        assert field.has_class("-invalid")
        await pilot.press("backspace")  # 12 layers: in range
        assert field.value == "12"
        assert not message.display and not field.has_class("-invalid")


async def test_a_negative_seed_says_so_under_the_field(lab: Callable[..., LabApp]) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        panel = app.screen.query_one(KnobsPanel)
        panel.fields["#seed"][1].focus()
        await pilot.pause()
        await pilot.press(*"-5")
        assert "at least 0" in str(panel.messages["#seed"].render())


def test_the_cli_refuses_a_negative_seed(tmp_path: object) -> None:
    env = {**os.environ, "DLLAB_LESSONS": str(COURSE)}
    out = subprocess.run(
        [sys.executable, "-m", "dllab", "run", "decay", "--seed", "-5", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr and "-5" in out.stderr, out.stderr


async def test_b_opens_the_bug_hunt_tab_and_a_hint_leaves_the_chart_uncovered(
    lab: Callable[..., LabApp],
) -> None:
    from textual.widgets import TabbedContent

    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "b")
        screen = app.screen
        assert screen.query_one(TabbedContent).active == "tab-hunt"
        await pilot.press("h")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-text"
        assert "Try a larger rate" in screen.text.source  # type: ignore[attr-defined]
        assert not app.query("Toast"), "no toast over the chart"


async def test_k_and_a_number_typed_in_one_burst_land_in_the_first_knob() -> None:
    """`k7` arrives as one read: the digits used to go where the focus was before `k`."""
    from textual import events

    app = make_app(lang="en", fps=20.0, course_root=COURSE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        for key in "k7":  # queued at once, as the driver does with one read
            app.post_message(events.Key(key, key))
        await pilot.pause()
        await pilot.pause()
        steps = screen.query_one("#knob-_steps", Input)
        assert screen.focused is steps and steps.value == "7"
        await pilot.press("k")  # in a field, k goes to the field (refused: not a digit)
        assert screen.focused is steps and steps.value == "7"
