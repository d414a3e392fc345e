"""Predict, then run, and sweeps in the lab: pilot tests at 80x24 on a copy of the tiny course.

The copy adds a prediction and a sweep to the 'decay' lesson (loss = exp(-rate * step)),
so the answers are known in closed form and the shared test course stays as it is.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dllab.progress import Progress
from dllab.tui.app import LabApp, make_app
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.screens.sweep import SweepScreen
from dllab.tui.widgets.chart import MetricChart
from dllab.tui.widgets.knobs import KnobsPanel
from dllab.tui.widgets.predict import PredictPanel
from dllab.tui.widgets.sweepchart import SweepChart

from .conftest import COURSE, wait_until

DEVICES = """
[[predictions]]
id = "fast_loss"
question = { en = "The loss is exp(-rate * step). What is fast's last loss (rate 0.01, 40 steps)?", zh = "损失是 exp(-rate * step)。fast 最后的损失是多少（rate 0.01，40 步）？" }
expr = "last(fast.loss)"
scale = "log"
tolerance = 0.1
chart = "loss"
explain = { en = "exp(-0.01 * 39) = 0.677: the last step is step 39.", zh = "exp(-0.01 * 39) = 0.677：最后一步是第 39 步。" }

[[predictions]]
id = "slow_loss"
question = { en = "And slow's (rate / 4)?", zh = "slow（rate / 4）呢？" }
expr = "last(slow.loss)"
scale = "linear"
tolerance = 0.05
explain = { en = "exp(-0.0025 * 39) = 0.907.", zh = "exp(-0.0025 * 39) = 0.907。" }

[[sweeps]]
id = "rate"
knob = "rate"
lo = 0.01
hi = 0.3
points = 3
metric = "last(loss)"
steps = 10
log_y = true
vlines = [0.1]
title = { en = "Last loss against the rate", zh = "最终损失随速率的变化" }
"""


def devices_course(root: Path) -> Path:
    """A copy of the tiny course whose lesson has two predictions and a sweep."""
    dest = root / "course"
    shutil.copytree(COURSE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    toml = dest / "01_decay" / "lesson.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("[[claims]]", DEVICES + "\n[[claims]]", 1), encoding="utf-8")
    return dest


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dest = devices_course(tmp_path)
    monkeypatch.setenv("DLLAB_LESSONS", str(dest))  # the training child finds it the same way
    return dest


@pytest.fixture
def lab(course: Path) -> Callable[..., LabApp]:
    def build(**options: Any) -> LabApp:
        return make_app(course_root=course, lang="en", fps=20.0, **options)

    return build


def lesson_screen(app: LabApp) -> LessonScreen:
    assert isinstance(app.screen, LessonScreen), type(app.screen).__name__
    return app.screen


@pytest.mark.slow
async def test_guess_then_run_draws_the_guess_and_judges_it(lab: Callable[..., LabApp]) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = lesson_screen(app)
        panel = screen.query_one(PredictPanel)
        await pilot.press("g")
        assert screen.focused is panel.field("fast_loss")
        await pilot.press(*"0.6", "enter")  # Enter keeps it and moves to the next question
        assert screen.focused is panel.field("slow_loss")
        assert Progress.load().guesses("decay")["fast_loss"]["guess"] == 0.6
        await pilot.press(*"0.5", "enter")  # the last Enter leaves the inputs: r runs
        loss_chart = next(c for c in screen.query(MetricChart) if c.spec.id == "loss")
        assert loss_chart.guides == [(0.6, "guess fast_loss")]
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.run is not None and not screen.run.running)
        await pilot.pause(0.2)
        assert screen.run is not None and screen.run.config.predictions == {
            "fast_loss": 0.6,
            "slow_loss": 0.5,
        }
        fast = panel.results["fast_loss"]
        assert fast["value"] == pytest.approx(math.exp(-0.01 * 39), rel=1e-6)
        assert fast["error"] == pytest.approx(abs(math.log10(0.6 / math.exp(-0.39))), rel=1e-4)
        assert fast["close"] is True and panel.results["slow_loss"]["close"] is False
        shown = str(panel.query_one("#r-fast_loss").render())
        assert "✓ measured 0.677, you guessed 0.6: 0.052 decades off." in shown
        assert "the last step is step 39" in shown
        legend = str(loss_chart.legend.render()).replace("\xa0", " ")
        assert "guess fast_loss" in legend  # the guess line's legend
        assert re.search("─ +─ +─", loss_chart.picture)  # the guess: a dashed line across the plot
        kept = Progress.load().guesses("decay")
        assert kept["fast_loss"]["close"] is True
        assert kept["slow_loss"]["value"] == pytest.approx(math.exp(-0.0025 * 39), rel=1e-6)


async def test_a_bad_guess_blocks_the_run_with_a_message(lab: Callable[..., LabApp]) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "g", "minus", "1", "escape")
        screen = lesson_screen(app)
        assert screen.query_one(PredictPanel).field("fast_loss").has_class("-bad")
        await pilot.press("r")
        await pilot.pause(0.2)
        assert screen.run is None
        assert any("orders of magnitude" in n.message for n in app._notifications)


async def test_kept_guesses_come_back_and_answers_stay_hidden(
    lab: Callable[..., LabApp], course: Path
) -> None:
    progress = Progress.load()
    progress.record_guess("decay", "fast_loss", 0.02)
    progress.save()
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = lesson_screen(app)
        panel = screen.query_one(PredictPanel)
        assert panel.field("fast_loss").value == "0.02" and panel.field("slow_loss").value == ""
        assert str(panel.query_one("#r-slow_loss").render()) == ""


@pytest.mark.slow
async def test_sweep_key_runs_the_lessons_sweep(lab: Callable[..., LabApp]) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "w")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen))
        sweep = app.screen
        assert isinstance(sweep, SweepScreen)
        assert sweep.plan.xs == pytest.approx([0.01, math.sqrt(0.003), 0.3])  # log grid
        status = sweep.query_one("#sweep-status")
        await wait_until(pilot, lambda: "sweep done" in str(status.render()), 90)
        for p in sweep.points:  # last(loss) after 10 steps is exp(-rate * 9), slow at rate / 4
            assert p.values["fast"] == pytest.approx(math.exp(-9 * p.x), rel=1e-6)
            assert p.values["slow"] == pytest.approx(math.exp(-9 * p.x / 4), rel=1e-6)
        assert "sweep done: 3 runs recorded" in str(status.render())
        picture = sweep.query_one(SweepChart).picture
        assert "Last loss against the rate" in picture and "rate" in picture
        assert "fast" in picture and "●" in picture
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)


async def test_stopping_a_sweep_runs_no_more_points(lab: Callable[..., LabApp]) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        # 0.5 s a step (the delay knob, 4th field): long enough to stop by hand
        await pilot.press("enter", "k", "tab", "tab", "tab", *"0.5", "escape")
        screen = lesson_screen(app)
        assert screen.query_one(KnobsPanel).values()["delay"] == "0.5"
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen))
        sweep = app.screen
        assert isinstance(sweep, SweepScreen)
        await wait_until(
            pilot, lambda: sweep.runner is not None and sweep.runner._current is not None
        )
        await pilot.press("s")
        status = sweep.query_one("#sweep-status")
        await wait_until(pilot, lambda: "sweep stopped" in str(status.render()), 10)
        assert not sweep.running
        assert sweep.points == []  # the point cut short is not a measurement


def test_the_verdict_in_chinese(course: Path) -> None:
    from dllab.curriculum.loader import load_course
    from dllab.tui.widgets.predict import verdict_text

    lesson = load_course(course).lesson("decay")
    row = {"id": "fast_loss", "guess": 0.6, "value": 0.677, "error": 0.052, "close": True}
    text = verdict_text(lesson, row, "zh")
    assert text.startswith("✓ 实测 0.677，你猜 0.6：差 0.052 个数量级。")
    assert "最后一步是第 39 步" in text
