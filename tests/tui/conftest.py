"""Fixtures for the lab's tests: a tiny fake course, an app factory, a wait helper."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.tui.app import LabApp, make_app

COURSE = Path(__file__).parent / "course"
"""One lesson ('decay'): deterministic fake metrics, a claim, a bug hunt. Trains in ~2 s."""


@pytest.fixture(autouse=True)
def test_course(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every lab test uses the tiny course (the child process finds it the same way)."""
    monkeypatch.setenv("DLLAB_LESSONS", str(COURSE))
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    return COURSE


@pytest.fixture
def lab() -> Callable[..., LabApp]:
    """Build the app as the CLI does, on the test course, redrawing at 20 Hz."""

    def build(**options: Any) -> LabApp:
        options.setdefault("lang", "en")
        options.setdefault("fps", 20.0)
        return make_app(course_root=COURSE, **options)

    return build


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0
) -> None:
    """Let the app run until `condition()` holds (fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)


def seeded_history(steps: int = 40, rate: float = 0.1) -> RunHistory:
    """What a 'decay' run records, computed here (no timing, no child): stable snapshots."""
    import math

    history = RunHistory()
    for step in range(steps):
        for arm, r in (("fast", rate), ("slow", rate / 4)):
            loss = math.exp(-r * step)
            history.add(
                [
                    MetricPoint("seeded", arm, step, "loss", loss),
                    MetricPoint("seeded", arm, step, "acc", 1 - 0.9 * loss),
                ]
            )
    return history
