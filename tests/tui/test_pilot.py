"""Pilot tests of the lab on the tiny course: real runs in a child process (about 2 s each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from dllab.progress import Progress
from dllab.tui.app import LabApp
from dllab.tui.screens.dialogs import ConfirmScreen, HelpScreen
from dllab.tui.screens.home import HomeScreen
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.claim import ClaimView
from dllab.tui.widgets.hunt import HuntPanel
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.knobs import KnobsPanel
from dllab.tui.widgets.status import RunState

from .conftest import COURSE, seeded_history, wait_until

Lab = Callable[..., LabApp]


def shown(widget: Widget) -> str:
    """What the widget draws (after CSS wrapping and cropping), as text."""
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def lesson_screen(app: LabApp) -> LessonScreen:
    assert isinstance(app.screen, LessonScreen), type(app.screen).__name__
    return app.screen


@pytest.mark.slow
async def test_change_knob_run_and_see_the_claim_flip(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")
        screen = lesson_screen(app)
        # the default rate is too slow: the claim does not hold
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.run is not None and not screen.run.running)
        await pilot.pause(0.1)
        first = screen.run
        assert first is not None and first.result is not None
        assert first.result.claim is not None and not first.result.claim["passed"]
        # turn the rate knob up with the keyboard: k focuses the knobs, tab to 'rate'
        await pilot.press("k", "tab", "tab", *"0.2", "escape")
        assert screen.query_one(KnobsPanel).values()["rate"] == "0.2"
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.run is not first and not screen.run.running)
        await pilot.pause(0.2)
        claim = screen.query_one(ClaimView)
        assert claim.result is not None and claim.result.passed
        assert 0 in claim.flipped, "the check was ✗ early in the run and flipped to ✓"
        assert screen.overlay is first.history, "the previous run stays as the overlay"
        assert app.progress.status("decay") == "passed"
        assert Progress.load().status("decay") == "passed", "progress is saved"


async def test_stop_a_run_midway(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "k")
        await pilot.press(*"400", "escape", "r")  # 400 steps × 20 ms per arm: ~16 s
        screen = lesson_screen(app)
        await wait_until(
            pilot, lambda: screen.run is not None and screen.run.history.last_step() >= 5
        )
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.run is not None and not screen.run.running, 30)
        assert screen.run is not None and screen.run.result is not None
        assert screen.run.result.status.value == "stopped"
        assert screen.run.history.last_step() < 399


@pytest.mark.slow
async def test_quit_during_a_run_asks_then_stops_it(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "k", *"400", "escape", "r")
        screen = lesson_screen(app)
        await wait_until(
            pilot, lambda: screen.run is not None and screen.run.history.last_step() >= 2
        )
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.screen is screen and screen.run is not None and screen.run.running
        await pilot.press("q")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.return_code is not None, 30)
        run = screen.run
    assert run is not None
    assert run.wait(30) is not None, "the run ended"
    assert run.result is not None and run.result.status.value == "stopped"


async def test_reset_progress_one_and_all(lab: Lab) -> None:
    progress = Progress.load()
    progress.mark_passed("decay")
    progress.save()
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.progress.status("decay") == "passed"
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert app.progress.status("decay") == "new"
        app.progress.mark_started("decay")
        await pilot.press("X", "y")
        assert app.progress.lessons == {}
    assert Progress.load().lessons == {}


async def test_corrupt_progress_file_is_moved_aside_with_a_notice(
    lab: Lab, dllab_home: Path
) -> None:
    (dllab_home / "progress.json").write_text("{not json", encoding="utf-8")
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "could not be read" in app.progress.notice
        welcome = str(app.screen.query_one("#welcome").render())
        assert "could not be read" in welcome
        assert any(p.name.startswith("progress.json.corrupt-") for p in dllab_home.iterdir())
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen), "the lab works on"


async def test_filter_hint_language_and_help(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        await pilot.press("slash", *"zzz")
        assert home.filter_text == "zzz"
        assert "No lesson" in str(home.query_one("#lessons").get_option_at_index(0).prompt)
        await pilot.press("escape")
        await pilot.press("slash", *"expon", "enter")
        screen = lesson_screen(app)
        await pilot.press("h")
        assert app.progress.hints_shown("decay") == 1
        assert "Try a larger rate" in screen.text.source
        await pilot.press("l")
        assert app.lang == "zh"
        assert screen.sub_title == "指数衰减"
        await pilot.pause()
        footer = str(screen.query_one(KeyBar).render())
        assert "运行" in footer and "Run" not in footer, footer
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "运行" in str(app.screen.query_one(Static).render())
        await pilot.press("escape", "l")
        await pilot.pause()
        footer = str(screen.query_one(KeyBar).render())
        assert "Run" in footer and "运行" not in footer, footer
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_bug_hunt_rechecks_on_save_and_reveals_the_solution(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = lesson_screen(app)
        hunt = screen.query_one(HuntPanel)
        assert hunt.path is not None and hunt.path.exists()
        assert "solution" not in str(hunt.render()).lower()
        # the learner saves a fix (as their editor would)
        hunt.path.write_text((COURSE / "01_decay" / "solution.py").read_text(), encoding="utf-8")
        os.utime(hunt.path, (time.time() + 5, time.time() + 5))
        await wait_until(pilot, lambda: hunt.verdict is not None, 30)
        assert hunt.verdict is not None and hunt.verdict.result.passed
        await pilot.press("b")
        await pilot.pause(0.1)
        assert "solution.py" in shown(hunt)
        await pilot.pause(0.1)
        assert app.progress.lessons["decay"]["bughunt"] == "passed"


async def test_a_passed_bug_hunt_shows_the_solution_code_on_screen(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = lesson_screen(app)
        hunt = screen.query_one(HuntPanel)
        assert hunt.path is not None
        assert "ACCURACY = 0.95" not in shown(hunt)
        hunt.path.write_text((COURSE / "01_decay" / "solution.py").read_text(), encoding="utf-8")
        os.utime(hunt.path, (time.time() + 5, time.time() + 5))
        await wait_until(pilot, lambda: hunt.verdict is not None, 30)
        assert hunt.verdict is not None and hunt.verdict.result.passed
        await pilot.press("b")
        scroll = hunt.parent
        assert isinstance(scroll, VerticalScroll)
        scroll.scroll_end(animate=False)
        await pilot.pause(0.2)
        lines = shown(hunt).splitlines()
        joined = "".join(line.strip() for line in lines)
        # the existing text stays; the code follows it, numbered, wrapped at the tab's width
        assert "Fixed!" in joined and "solution.py" in joined, lines
        assert any(line.split()[:4] == ["5", "ACCURACY", "=", "0.95"] for line in lines), lines
        code = [i for i, line in enumerate(lines) if line.split()[:2] == ["6", 'print("RESULT']]
        assert code, lines
        assert 'json.dumps({"val_acc":ACCURACY}))' in joined.replace(" ", ""), lines
        # and that line is inside the scroll view on the 24-row screen, not below it
        row = hunt.region.y + code[0]
        assert scroll.region.y <= row < min(scroll.region.bottom, 24), (row, scroll.region)


@pytest.mark.slow
def test_the_ui_never_imports_torch_through_a_whole_run(tmp_path: Path) -> None:
    """In a fresh process: open the app, run a lesson to the end; torch stays out."""
    script = f"""
import asyncio, json, sys, time
from dllab.tui.app import make_app
from pathlib import Path
async def main():
    app = make_app(lang="en", fps=20, course_root=Path({str(COURSE)!r}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "r")
        screen = app.screen
        deadline = time.monotonic() + 60
        while (screen.run is None or screen.run.running) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        print(json.dumps({{"torch": "torch" in sys.modules,
                           "status": screen.run.result.status.value}}))
asyncio.run(main())
"""
    env = {**os.environ, "DLLAB_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == "completed"
    assert result["torch"] is False  # what keeps the first screen fast (timed in benchmarks/)


@pytest.mark.slow
async def test_diagnose_screen_on_a_real_buggy_script(lab: Lab) -> None:
    """The real `diagnose_file` on a script from the diagnose corpus (torch in its child)."""
    script = Path(__file__).parents[1] / "diagnose" / "corpus" / "buggy" / "acc_sequential.py"
    if not script.exists():
        pytest.skip("diagnose corpus not present")
    app = lab()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.press(*str(script), "enter")
        screen = app.screen
        await wait_until(pilot, lambda: screen.findings != [], 120)  # type: ignore[attr-defined]
        assert "loss-accumulation-graph" in str(
            screen.query_one("#findings").get_option_at_index(0).prompt
        )
        assert screen.query_one("#diag-chart").display, "per-layer gradient norms are drawn"


@pytest.mark.slow
async def test_resize_ascii_markers_and_a_run_that_goes_on_in_the_background(lab: Lab) -> None:
    app = lab(ascii_markers=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = lesson_screen(app)
        charts = list(screen.query("MetricChart"))
        assert [c.display for c in charts] == [True, False], "80x24: one chart of 10+ rows"
        assert charts[0].size.height >= 10
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.2)
        assert [c.display for c in charts] == [True, True], "120x40: both charts"
        screen.show_history(seeded_history())
        await pilot.pause(0.2)
        picture = charts[0].picture
        assert "*" in picture and not any(0x2800 <= ord(ch) <= 0x28FF for ch in picture)
        await pilot.press("k", *"400", "escape", "r")
        await wait_until(pilot, lambda: screen.state is RunState.RUNNING, 30)
        await pilot.press("escape")
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "running" in str(home.query_one("#lessons").get_option_at_index(1).prompt)
        await pilot.press("enter")
        assert app.screen is screen and screen.run is not None and screen.run.running
        await pilot.press("s")
        await wait_until(pilot, lambda: not screen.run.running, 5)  # type: ignore[union-attr]


@pytest.mark.slow
async def test_a_run_that_ends_while_you_browse_still_counts(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "k", "tab", "tab", *"0.2", "escape", "r")
        screen = lesson_screen(app)
        await wait_until(pilot, lambda: screen.state is RunState.RUNNING, 30)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await wait_until(pilot, lambda: app.progress.status("decay") == "passed", 30)
        assert "last_run" in app.progress.lessons["decay"]
        lessons = app.screen.query_one("#lessons")
        await wait_until(pilot, lambda: "passed" in str(lessons.get_option_at_index(1).prompt), 5)


async def test_the_footer_is_worded_per_language_and_a_click_presses_its_key(lab: Lab) -> None:
    """The lab's own footer (public Textual API only) lists the keys and acts on a click."""
    app = lab(lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one(KeyBar)
        words = [word for _, _, word, _ in bar.shown_keys()]
        assert "继续" in words and "Continue" not in words
        await pilot.press("l")
        await pilot.pause()
        words = [word for _, _, word, _ in bar.shown_keys()]
        assert "Continue" in words and "继续" not in words
        str(bar.render())  # lays out the keys' columns
        line, column = next((ln, x) for ln, x, _, key in bar.spans if key == "question_mark")
        await pilot.click(KeyBar, offset=(column + 1, line))
        assert isinstance(app.screen, HelpScreen)


async def test_a_broken_lesson_is_listed_and_the_lab_still_opens(tmp_path: Path) -> None:
    import shutil

    from textual.widgets import OptionList

    from dllab.tui.app import make_app
    from tests.tui.conftest import COURSE

    root = tmp_path / "course"
    shutil.copytree(COURSE, root, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "01_decay", root / "zz")
    with (root / "lessons.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[lessons]]\nid = "broken-one"\ndir = "zz"\nchapter = "nope"\n')
    app = make_app(course_root=root, lang="en", fps=20.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert [le.id for le in app.course.lessons] == ["decay"]
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        (line,) = [p for p in prompts if "broken-one" in p]
        assert "broken" in line and "[lessons[1].chapter]: unknown chapter 'nope'" in line
