"""The training child started ahead of its run: `r` takes it, knobs still count, none is left behind.

Behaviour only (the time it saves is measured in `benchmarks/tui_latency.py`).
Each test starts real children (each imports torch), hence slow.
"""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from dllab.tui.app import LabApp
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.knobs import KnobsPanel

from .conftest import wait_until

pytestmark = pytest.mark.slow

Lab = Callable[..., LabApp]


def gone(pid: int) -> bool:
    """The process has exited and been reaped (or is a zombie nobody will run again)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def warm_pid(app: LabApp) -> int | None:
    assert app.warm_pool is not None
    return app.warm_pool.pid


async def open_lesson(app: LabApp, pilot: object) -> LessonScreen:
    await pilot.press("enter")  # type: ignore[attr-defined]
    assert isinstance(app.screen, LessonScreen)
    return app.screen


async def test_r_takes_the_warm_child_and_the_knobs_set_after_count(lab: Lab) -> None:
    app = lab(prewarm=True, device="cpu")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(app, pilot)
        await wait_until(pilot, lambda: warm_pid(app) is not None)
        first_pid = warm_pid(app)
        # knobs changed after the child was started: the spec sent at r carries them
        knobs = screen.query_one(KnobsPanel)
        screen.query_one("#knob-_steps").value = "7"  # type: ignore[attr-defined]
        screen.query_one("#knob-rate").value = "0.2"  # type: ignore[attr-defined]
        assert knobs.values()["rate"] == "0.2"
        await pilot.press("r")
        run = screen.run
        assert run is not None
        await wait_until(pilot, lambda: not run.running)
        assert run.warm_start and run.pid == first_pid, "the run trained in the waiting child"
        assert run.result is not None and run.result.status.value == "completed"
        assert run.history.last_step("fast") == 6, "7 steps, as the knob said"
        loss = run.history.points("fast", "loss")[-1][1]
        assert math.isclose(loss, math.exp(-0.2 * 6), rel_tol=1e-9), "rate 0.2, as the knob said"
        assert screen.device == "cpu"
        # the run's log is the child's log from the spec on
        assert run.record_dir is not None and (Path(run.record_dir) / "child.log").exists()
        # a fresh child waits for the next run, and the next run takes it
        await wait_until(pilot, lambda: warm_pid(app) not in (None, first_pid))
        second_pid = warm_pid(app)
        assert gone(first_pid or 0)
        await pilot.press("r")
        again = screen.run
        assert again is not None and again is not run
        await wait_until(pilot, lambda: not again.running)
        assert again.warm_start and again.pid == second_pid
        await pilot.pause(0.2)


async def test_a_warm_child_that_died_means_a_cold_start(lab: Lab) -> None:
    app = lab(prewarm=True, device="cpu")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(app, pilot)
        await wait_until(pilot, lambda: warm_pid(app) is not None)
        pid = warm_pid(app)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        screen.query_one("#knob-_steps").value = "5"  # type: ignore[attr-defined]
        await pilot.press("r")
        run = screen.run
        assert run is not None
        await wait_until(pilot, lambda: not run.running)
        assert not run.warm_start and run.pid != pid
        assert run.result is not None and run.result.status.value == "completed", run.result


async def test_quitting_leaves_no_child(lab: Lab) -> None:
    app = lab(prewarm=True, device="cpu")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lesson(app, pilot)
        await wait_until(pilot, lambda: warm_pid(app) is not None)
        pid = warm_pid(app)
        assert pid is not None and not gone(pid)
        await pilot.press("q")
    assert gone(pid), "the waiting child ended with the lab"


async def test_quitting_mid_run_leaves_no_child(lab: Lab) -> None:
    app = lab(prewarm=True, device="cpu")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(app, pilot)
        await wait_until(pilot, lambda: warm_pid(app) is not None)
        screen.query_one("#knob-_steps").value = "100000"  # type: ignore[attr-defined]
        screen.query_one("#knob-delay").value = "0.01"  # type: ignore[attr-defined]
        await pilot.press("r")
        run = screen.run
        assert run is not None
        await wait_until(pilot, lambda: run.history.version > 0)
        pid = run.pid
        assert pid is not None and warm_pid(app) is None, "no second child while one trains"
        await pilot.press("q")
        await pilot.press("y")  # yes, stop it and quit
        await wait_until(pilot, lambda: not run.running, 10)
    assert gone(pid)
    assert warm_pid(app) is None
