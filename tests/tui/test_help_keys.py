"""The help dialog lists the lab's keys only, in the lab's language, at 80x24.

It used to list Textual's own bindings too (`tab Focus Next`, `super+c Copy
selected text`, `ctrl+q Quit`) next to the screen's.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Static

from dllab.tui.app import LabApp
from dllab.tui.screens.diagnose import DiagnoseScreen
from dllab.tui.screens.dialogs import HelpScreen
from dllab.tui.screens.lesson import LessonScreen

Lab = Callable[..., LabApp]
TEXTUALS = ("Focus Next", "Focus Previous", "Copy selected text", "ctrl+q", "super+c", "^q")


async def help_text(app: LabApp, pilot: object) -> str:
    await pilot.press("question_mark")  # type: ignore[attr-defined]
    assert isinstance(app.screen, HelpScreen)
    dialog = app.screen.query_one(".dialog")
    assert dialog.region.right <= 80 and dialog.region.bottom <= 24
    return str(app.screen.query_one(Static).render())


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_help_lists_only_dllabs_keys_on_every_screen(lab: Lab, lang: str) -> None:
    app = lab(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        texts = {"home": await help_text(app, pilot)}
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, LessonScreen)
        texts["lesson"] = await help_text(app, pilot)
        await pilot.press("escape", "d")
        assert isinstance(app.screen, DiagnoseScreen)
        app.screen.set_focus(None)  # the path field takes `?` as text
        await pilot.pause()
        texts["diagnose"] = await help_text(app, pilot)
    run, quit_, tab = (
        ("运行", "退出", "切换面板") if lang == "zh" else ("Run", "Quit", "next panel")
    )
    for screen, text in texts.items():
        for word in TEXTUALS:
            assert word not in text, (screen, word, text)
        assert quit_ in text and tab in text, (screen, text)
        if lang == "zh":
            assert "Quit" not in text and "next panel" not in text, (screen, text)
    assert run in texts["lesson"]
    assert "Back" in texts["diagnose"] or "返回" in texts["diagnose"]
