"""SVG snapshots of the home and lesson screens at 80x24 and 120x40.

The lesson screen is drawn from a seeded history (`seeded_history`), not a live
run, so the pictures do not depend on timing. Accept changes with
`pytest tests/tui/test_snapshots.py --snapshot-update` after looking at them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from dllab.tui.app import LabApp
from dllab.tui.screens.lesson import LessonScreen

from .conftest import seeded_history
from .test_diagnose_screen import FakeDiagnose, diagnose, fake  # noqa: F401 (a fixture)

SIZES = [(80, 24), (120, 40)]


async def _open_seeded_lesson(pilot: Pilot[Any]) -> None:
    await pilot.press("enter")
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    screen.show_history(seeded_history(), device="cpu")
    await pilot.pause()


class TestHome:
    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_home(
        self, snap_compare: Any, lab: Callable[..., LabApp], size: tuple[int, int]
    ) -> None:
        assert snap_compare(lab(), terminal_size=size)


class TestLesson:
    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_lesson(
        self, snap_compare: Any, lab: Callable[..., LabApp], size: tuple[int, int]
    ) -> None:
        assert snap_compare(lab(), terminal_size=size, run_before=_open_seeded_lesson)


async def _diagnose_with_findings(pilot: Pilot[Any]) -> None:
    await diagnose(pilot, "train.py")


class TestDiagnose:
    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_diagnose_with_findings(
        self,
        snap_compare: Any,
        lab: Callable[..., LabApp],
        fake: FakeDiagnose,  # noqa: F811
        size: tuple[int, int],
    ) -> None:
        """The findings (severity, check, file:line), the evidence and the per-layer chart."""
        assert snap_compare(lab(), terminal_size=size, run_before=_diagnose_with_findings)
