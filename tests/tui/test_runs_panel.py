"""The runs panel (`v` on a lesson): recorded runs of the lesson on the same axes.

The runs are recorded by the real engine (a thread, the tiny 'decay' course:
loss = exp(-rate · step), arm slow at rate / 4) into the test's own data dir;
their start times are then pinned, so rows sort and snapshots draw the same
every time. Accept snapshot changes with `--snapshot-update` after looking.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from dllab.curriculum.loader import load_course
from dllab.engine.config import default_config
from dllab.engine.run import Run
from dllab.fsutil import atomic_write_json
from dllab.tui.app import LabApp, make_app
from dllab.tui.screens.dialogs import HelpScreen
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.screens.runs import RunsScreen
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.runschart import RunsChart

from .conftest import COURSE, wait_until

Lab = Callable[..., LabApp]
SIZES = [(80, 24), (120, 40)]
RATES = (0.01, 0.05, 0.1, 0.2, 0.4)
"""Five learning rates, oldest first (0.01 is the lesson's default)."""


def record(rate: float, minute: int, seed: int = 0) -> str:
    """Record one 40-step run of 'decay' at this rate; its start pinned to 09:<minute> UTC."""
    lesson = load_course(COURSE).lesson("decay")
    config = default_config(lesson)
    config.knobs.update(rate=rate, delay=0.0)
    config.seed = seed
    run = Run(lesson, config, []).start()
    assert run.wait(30) is not None
    assert run.record_dir is not None
    path = Path(run.record_dir) / "config.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["created"] = f"2026-12-02T09:{minute:02d}:00+00:00"
    atomic_write_json(path, meta)
    return run.run_id


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so the 'when' column reads the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def five_rates(utc: None) -> list[str]:
    """Five recorded runs, one per rate in RATES (the last the newest)."""
    return [record(rate, minute) for minute, rate in enumerate(RATES)]


def panel(app: LabApp) -> RunsScreen:
    assert isinstance(app.screen, RunsScreen), type(app.screen).__name__
    return app.screen


async def open_panel(pilot: Pilot[Any]) -> RunsScreen:
    """Home → the lesson → `v`, then wait until every chosen run's record is read."""
    await pilot.press("enter")
    assert isinstance(pilot.app.screen, LessonScreen)
    await pilot.press("v")
    screen = panel(pilot.app)  # type: ignore[arg-type]
    await wait_until(pilot, lambda: set(screen.slots) <= set(screen.histories))
    await pilot.pause()
    return screen


def legend(screen: RunsScreen) -> list[str]:
    return [entry.name for entry in screen.query_one(RunsChart).plot.legend]


def readout(screen: RunsScreen) -> str:
    chart = screen.query_one(RunsChart)
    return chart.readout_text(colors=not screen.app.no_color, width=200).plain


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_five_learning_rates_are_five_curves(
    lab: Lab, five_rates: list[str], size: tuple[int, int]
) -> None:
    """Newest first, each row named by what it changed; the legend by what differed."""
    app = lab()
    async with app.run_test(size=size) as pilot:
        screen = await open_panel(pilot)
        table = screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[1] for r in rows] == [
            "rate=0.4 delay=0",
            "rate=0.2 delay=0",
            "rate=0.1 delay=0",
            "rate=0.05 delay=0",
            "delay=0",  # the default rate: only what differs from the defaults is named
        ]
        assert [r[3] for r in rows] == [f"12-02 09:0{m}" for m in (4, 3, 2, 1, 0)]
        assert rows[0][4] == f"{math.exp(-0.4 * 39):.4g}", "the final loss of the arm shown"
        assert legend(screen) == ["rate=0.4", "rate=0.2", "rate=0.1", "rate=0.05", "rate=0.01"]
        chart = screen.query_one(RunsChart)
        assert "loss · fast" in str(chart.heading.render())
        colours = [entry.color for entry in chart.plot.legend]
        assert len(set(colours)) == 5, colours
        assert screen.query_one(KeyBar).region.height <= 2


@pytest.mark.slow
async def test_select_baseline_and_cursor(lab: Lab, five_rates: list[str]) -> None:
    """Space leaves a run out (the others keep their colours), b pins the baseline, [ ] read values."""
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_panel(pilot)
        slots = dict(screen.slots)
        await pilot.press("down", "space")  # rate=0.2 out
        assert legend(screen) == ["rate=0.4", "rate=0.1", "rate=0.05", "rate=0.01"]
        assert {k: v for k, v in slots.items() if k != five_rates[3]} == screen.slots
        await pilot.press("space")  # back in: its old slot was the free one
        assert screen.slots == slots
        await pilot.press("down", "b")  # rate=0.1 is the baseline
        names = legend(screen)
        assert names[0] == "baseline: rate=0.1" and len(names) == 5, names
        row = [str(c) for c in screen.query_one(DataTable).get_row_at(2)]
        assert row[0].startswith("[B]")
        # the cursor starts at the end; three steps back is step 36
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert screen.cursor == 36
        text = readout(screen)
        base = math.exp(-0.1 * 36)
        assert text.startswith("step 36:"), text
        assert f"{base:.4g}" in text
        fast = math.exp(-0.4 * 36)
        assert f"{fast:.4g} ({fast - base:+.3g})" in text, "each value and its distance to the base"
        await pilot.press("right_square_bracket")
        assert screen.cursor == 37 and readout(screen).startswith("step 37:")
        # Tab gives the chart focus; there ← / → move the cursor too
        await pilot.press("tab")
        assert screen.focused is screen.query_one(RunsChart)
        await pilot.press("left", "left")
        assert screen.cursor == 35
        await pilot.press("shift+tab", "b")  # the highlighted row is the baseline: unpinned
        assert not any(n.startswith("baseline") for n in legend(screen))
        await pilot.press("a")  # the slow arm: rate / 4
        assert "slow" in str(screen.query_one(RunsChart).heading.render())
        assert f"{math.exp(-0.1 / 4 * 35):.4g}" in readout(screen)
        await pilot.press("y")  # log y: the loss falls over decades
        assert "1e-" in screen.query_one(RunsChart).picture
        await pilot.press("c")  # the next chart's metric, linear: the log ticks are gone
        assert screen.metric == "acc"
        plot = screen.query_one(RunsChart).picture.split("└")[0]
        assert plot.count("┤") >= 3 and "e-" not in plot, plot  # its own linear ticks
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)


@pytest.mark.slow
async def test_without_colour_two_runs_differ_in_marker(
    lab: Lab, utc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    record(0.1, 0)
    record(0.4, 1)
    app = lab(ascii_markers=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_panel(pilot)
        chart = screen.query_one(RunsChart)
        markers = [entry.marker for entry in chart.plot.legend]
        assert len(set(markers)) == 2 and "braille" not in markers, markers
        plot = "\n".join(line for line in chart.picture.splitlines() if "│" in line)
        assert all(m in plot for m in markers), chart.picture
        await pilot.press("down", "b")
        base = chart.plot.legend[0]
        assert base.name == "baseline: rate=0.1" and base.marker == "#"
        assert "#" in "\n".join(line for line in chart.picture.splitlines() if "│" in line)
        await pilot.press(*["left_square_bracket"] * 10)
        # the README's example, as drawn
        assert readout(screen) == "step 29:  ## 0.05502  ** 9.166e-06 (-0.055)"


async def test_no_runs_yet_says_how_to_make_some(lab: Lab) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "v")
        screen = panel(app)
        await pilot.pause()
        assert "No recorded runs of this lesson yet" in str(
            screen.query_one("#runs-empty").render()
        )
        await pilot.press("space", "b", "left_square_bracket", "c", "a", "y")  # nothing breaks
        await pilot.press("l")
        assert "还没有运行记录" in str(screen.query_one("#runs-empty").render())


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_runs_key_is_in_the_footer_and_the_help(lab: Lab, lang: str) -> None:
    """At 80x24 the footer keeps every key of the lesson, `v Runs` among them."""
    app = lab(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        words = str(bar.render()).replace("\n", " ")
        word = "运行记录" if lang == "zh" else "Runs"
        assert f"v {word}" in words, words
        for key in ("r ", "s ", "q ", "? ", "l ", "d "):
            assert key in words, (key, words)
        assert bar.region.height <= 2
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("v", word) in app.screen.keys


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_real_lesson_footer_fits_two_lines_at_80_columns(lang: str) -> None:
    """A lesson's keys depend on whether it has a bug hunt, guesses and a sweep: one lesson
    of each kind (a bug hunt, guesses and a sweep together have the most keys), none cut."""
    app = make_app(lang=lang, course_root=Path(__file__).resolve().parents[2] / "lessons")
    kinds = {
        (lesson.bughunt is not None, bool(lesson.predictions), bool(lesson.sweeps)): lesson.id
        for lesson in reversed(app.course.lessons)
    }
    assert (True, True, True) in kinds
    async with app.run_test(size=(80, 24)) as pilot:
        for lesson_id in kinds.values():
            app.open_lesson(lesson_id)
            await pilot.pause()
            bar = app.screen.query_one(KeyBar)
            drawn = str(bar.render())
            assert drawn.count("\n") <= 1, (lesson_id, drawn)
            for _, shown, word, _ in bar.shown_keys():
                assert f"{shown} {word}" in drawn, (lesson_id, shown, word, drawn)
            assert "v " in drawn and "d " in drawn and "q " in drawn, (lesson_id, drawn)


# -- snapshots: the compare view, and the same without colour --
async def _compare_view(pilot: Pilot[Any]) -> None:
    await open_panel(pilot)
    await pilot.press("down", "down", "b")  # rate=0.1 as the baseline
    await pilot.press(*["left_square_bracket"] * 10)  # the cursor at step 29
    await pilot.pause()


class TestRunsSnapshots:
    @pytest.mark.slow
    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_compare_view(
        self, snap_compare: Any, lab: Lab, five_rates: list[str], size: tuple[int, int]
    ) -> None:
        """Five rates, rate=0.1 pinned as the baseline, the cursor at step 29."""
        assert snap_compare(lab(), terminal_size=size, run_before=_compare_view)

    @pytest.mark.slow
    def test_compare_view_without_colour(
        self, snap_compare: Any, lab: Lab, utc: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """NO_COLOR and ASCII (TERM=linux): two runs, told apart by their markers."""
        monkeypatch.setenv("NO_COLOR", "1")
        record(0.1, 0)
        record(0.4, 1)
        assert snap_compare(
            lab(ascii_markers=True), terminal_size=(80, 24), run_before=_compare_view_two
        )


async def _compare_view_two(pilot: Pilot[Any]) -> None:
    await open_panel(pilot)
    await pilot.press("left_square_bracket", "left_square_bracket")
    await pilot.pause()


@pytest.mark.slow
async def test_a_run_that_ends_while_the_panel_is_open_shows_up(lab: Lab, utc: None) -> None:
    """r, then v mid-run: the run is listed as unfinished; when it ends, the panel shows
    it completed, with its final value and its whole curve, without being reopened."""
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "k")
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        await pilot.press(*"150", "escape", "r")  # 150 steps x 20 ms per arm: ~6 s
        await wait_until(pilot, lambda: lesson.run is not None and lesson.run.history.version > 0)
        await pilot.press("v")
        screen = panel(app)
        run = lesson.run
        assert run is not None and run.running
        assert [r.status for r in screen.records] == ["unfinished"]
        await wait_until(pilot, lambda: not run.running, 60)
        await wait_until(
            pilot,
            lambda: (
                [r.status for r in screen.records] == ["completed"]
                and run.run_id in screen.histories
            ),
        )
        await pilot.pause()
        table = screen.query_one(DataTable)
        name, value = str(table.get_row_at(0)[1]), str(table.get_row_at(0)[4])
        assert "unfinished" not in name and value, (name, value)
        series = screen.histories[run.run_id].series("fast", "loss")
        assert series is not None and series.count == 150, "the whole run, not a part"
        assert legend(screen) == ["steps=150"]


@pytest.mark.slow
async def test_runs_alike_in_every_setting_are_told_apart_by_when(lab: Lab, utc: None) -> None:
    """Two runs of the same settings: the legend named both 'delay=0', one name for two
    curves; each is named with when it ran, as the table's `when` column reads."""
    record(0.01, 0)
    record(0.01, 1)
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_panel(pilot)
        assert legend(screen) == ["delay=0 · 12-02 09:01", "delay=0 · 12-02 09:00"]
