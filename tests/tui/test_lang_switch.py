"""The language key while a run trains: every word on screen changes in the key's own handler,
and the handler leaves the chart pictures (plotext builds) to a thread.

Real runs in a child process on the tiny course; what the screen shows is read back from the
widgets. No timings: what is checked is what the handler did before it returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Tab

from dllab.tui.app import LabApp
from dllab.tui.i18n import tr
from dllab.tui.screens.home import HomeScreen
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import ChartPlot, MetricChart
from dllab.tui.widgets.claim import ClaimView
from dllab.tui.widgets.status import RunState

from .conftest import wait_until

Lab = Callable[..., LabApp]


def shown(widget: Widget) -> str:
    """What the widget draws (after CSS wrapping and cropping), as text."""
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def header_title(screen: Screen[None]) -> str:
    """The title row of the screen's header, as drawn."""
    return shown(screen.query_one(Header).query_one("HeaderTitle"))


def words(screen: LessonScreen) -> dict[str, str]:
    """Every text the language key re-words on the lesson screen, as drawn now."""
    return {
        "header": header_title(screen),
        "text": screen.text.source,
        "claim": shown(screen.query_one(ClaimView)),
        "status": shown(screen.query_one("#status")),
        "tabs": " ".join(f"{tab.region.x}:{tab.region.width}" for tab in screen.query(Tab)),
        "titles": " | ".join(
            shown(chart.heading) for chart in screen.query(MetricChart) if chart.display
        ),
    }


class BuildLog:
    """Which thread each chart build ran on (`ChartPlot._run` wrapped; it still builds)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[tuple[bool, str]] = []
        """(on the UI thread, the build's language) per build, in order."""
        original = ChartPlot._run

        def run(plot: ChartPlot, job: Any) -> Any:
            self.threads.append((threading.current_thread() is threading.main_thread(), job.lang))
            return original(plot, job)

        monkeypatch.setattr(ChartPlot, "_run", run)

    def on_ui_thread(self) -> int:
        return sum(1 for ui, _ in self.threads if ui)


@pytest.mark.slow
async def test_l_during_a_run_rewords_everything_at_once_and_builds_no_chart(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = BuildLog(monkeypatch)
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        # 0.1 s a step over 40 steps: still training while the key is pressed, twice
        screen.query_one("#knob-delay").value = "0.1"  # type: ignore[attr-defined]
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.state is RunState.RUNNING, 30)
        await wait_until(pilot, lambda: any(c.legend_entries for c in screen.query(MetricChart)))
        english = words(screen)
        before_run = builds.on_ui_thread()  # opening the lesson drew its empty charts at once
        assert "Exponential decay" in english["header"]
        assert "## Questions" in english["text"]
        assert "fast: loss ends below 0.1" in english["claim"]
        assert "running" in english["status"]
        assert "Loss" in english["titles"]

        # what the key's handler itself left on screen, before the app ran on
        seen: list[tuple[dict[str, str], int]] = []
        toggle = app.action_toggle_lang

        def pressed() -> None:
            before = builds.on_ui_thread()
            toggle()
            seen.append((words(screen), builds.on_ui_thread() - before))

        monkeypatch.setattr(app, "action_toggle_lang", pressed)
        await pilot.press("l")
        assert app.lang == "zh"
        chinese, built_in_handler = seen[-1]
        assert built_in_handler == 0, "the language key built a chart in its handler"
        assert "指数衰减" in chinese["header"]
        assert f"## {tr('questions', 'zh')}" in chinese["text"]
        assert not screen.query_one("#text-en").display
        assert "快：最终损失低于 0.1" in chinese["claim"]
        assert RunState.RUNNING.word("zh") in chinese["status"]
        assert "损失" in chinese["titles"] and "Loss" not in chinese["titles"]
        await pilot.pause()
        # each tab as wide in both languages: the underline stays under the active one
        assert words(screen)["tabs"] == english["tabs"]
        assert "课文" in shown(screen.query(Tab).first())
        assert screen.training, "the run ended before the key: the test checked nothing"

        # the pictures follow in a thread, their legends in the new language
        await wait_until(pilot, lambda: any(lang == "zh" for _, lang in builds.threads))
        await wait_until(
            pilot,
            lambda: any(
                "快" in e.name for c in screen.query(MetricChart) for e in c.legend_entries
            ),
        )

        await pilot.press("l")  # and back, still training
        assert app.lang == "en"
        back, built_in_handler = seen[-1]
        assert built_in_handler == 0
        assert screen.training
        for part in ("header", "text", "tabs", "titles"):
            assert back[part] == english[part], part
        # the claim's values and the step count moved on meanwhile; the words are back
        assert "fast: loss ends below 0.1" in back["claim"] and "快" not in back["claim"]
        assert "running" in back["status"]
        assert builds.on_ui_thread() == before_run, "a chart was built on the UI thread in the run"
        screen.action_stop()
        await wait_until(pilot, lambda: not screen.training, 30)


async def test_l_on_the_course_list_rewords_it_and_the_header_alone(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        await pilot.pause()
        assert "Test course." in header_title(home)
        assert "A. Basics" in shown(home.query_one("#lessons"))
        await pilot.press("l")
        await pilot.pause()
        assert home.sub_title == "测试课程。"  # the reactive holds it too, for what reads it
        assert "测试课程。" in header_title(home)
        listed = shown(home.query_one("#lessons"))
        assert "A. 基础" in listed and "指数衰减" in listed and "A. Basics" not in listed
        assert "以你选择的速率衰减的损失。" in shown(home.query_one("#detail"))
        assert "继续" in shown(home.query_one("#welcome"))
        await pilot.press("l")
        await pilot.pause()
        assert "Test course." in header_title(home)
        assert "A. Basics" in shown(home.query_one("#lessons"))
        assert "A loss that decays" in shown(home.query_one("#detail"))
