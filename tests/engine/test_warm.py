"""`WarmPool` and `Run(child=...)`: a child started ahead of its run (see dllab/engine/warm.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dllab.curriculum.loader import load_course
from dllab.engine import Run, RunStatus
from dllab.engine.warm import WarmPool
from tests.engine.conftest import toy_config, toy_lesson

pytestmark = pytest.mark.slow  # each test starts a child that imports torch

ROOT = Path(__file__).resolve().parents[2]


def test_a_lesson_switch_re_aims_the_waiting_child(tmp_path: Path) -> None:
    """One child, prepared for one lesson then another; it runs either (the spec names it)."""
    course = load_course(ROOT / "lessons")
    first, second = course.lessons[0], course.lessons[1]
    pool = WarmPool(tmp_path / "warm.log")
    pool.warm(first, "cpu")
    pid = pool.pid
    pool.warm(second, "cpu")
    pool.warm(second, "cpu")  # the same target again: nothing sent
    assert pool.pid == pid and pool.spawned == 1
    proc = pool.take()
    assert proc is not None and proc.stdout is not None and pool.pid is None
    ready = [json.loads(proc.stdout.readline()) for _ in range(2)]
    assert ready == [
        {"type": "ready", "lesson": first.id},
        {"type": "ready", "lesson": second.id},
    ]
    assert proc.stdin is not None
    proc.stdin.close()  # the lab went away before a run
    assert proc.wait(30) == 0, "a waiting child exits when its stdin closes"


def test_the_run_takes_the_child_and_its_config(tmp_path: Path) -> None:
    pool = WarmPool(tmp_path / "warm.log")
    pool.warm(toy_lesson(), "cpu")
    child = pool.take()
    assert child is not None
    run = Run(toy_lesson(), toy_config(steps=9), isolate=True, child=child).start()
    result = run.wait(60)
    assert result is not None and result.status is RunStatus.COMPLETED, result
    assert run.warm_start and run.pid == child.pid
    assert run.history.last_step() == 8


def test_a_warm_child_gives_the_same_curve_as_a_thread(tmp_path: Path) -> None:
    """The child ran one throw-away step while it waited (noise draws random numbers):
    the run's numbers are those of a run with no warm-up."""
    config = toy_config(steps=12)
    assert config.knobs["noise"], "the toy's noise draws from the RNG"
    alone = Run(toy_lesson(), toy_config(steps=12)).start()
    alone.wait(30)
    pool = WarmPool(tmp_path / "warm.log")
    pool.warm(toy_lesson(), "cpu")
    child = pool.take()
    assert child is not None and child.stdout is not None
    assert json.loads(child.stdout.readline())["type"] == "ready"  # the warm step is done
    warm = Run(toy_lesson(), config, isolate=True, child=child).start()
    warm.wait(60)
    assert warm.warm_start
    for arm in toy_lesson().arms:
        assert warm.history.points(arm, "loss") == alone.history.points(arm, "loss")


def test_a_child_that_dies_before_the_run_began_means_a_cold_start() -> None:
    """It took the spec and exited without a word: the run starts a fresh child."""
    dying = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.readline()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    run = Run(toy_lesson(), toy_config(steps=5), isolate=True, child=dying).start()
    result = run.wait(60)
    assert result is not None and result.status is RunStatus.COMPLETED, result
    assert not run.warm_start and run.pid != dying.pid
    assert dying.poll() is not None


def test_close_ends_the_waiting_child(tmp_path: Path) -> None:
    pool = WarmPool(tmp_path / "warm.log")
    pool.warm(toy_lesson(), "cpu")
    pid = pool.pid
    assert pid is not None
    pool.close()
    assert pool.pid is None
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
