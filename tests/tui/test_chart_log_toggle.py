"""A lesson chart toggled to log y and back gets its linear ticks back."""

from __future__ import annotations

from collections.abc import Callable

from dllab.tui.app import LabApp
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import MetricChart

from .conftest import seeded_history


async def test_log_then_linear_again_has_linear_ticks(lab: Callable[..., LabApp]) -> None:
    """plotext's `clear_data` keeps ticks: the decade ticks of the log axis stayed on."""
    app = lab()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.show_history(seeded_history(), device="cpu")
        await pilot.pause()
        chart = next(c for c in screen.query(MetricChart) if c.display)
        linear = chart.picture.split("└")[0]
        await pilot.press("y")
        await pilot.pause()
        assert "e-" in chart.picture.split("└")[0], chart.picture  # decades
        await pilot.press("y")
        await pilot.pause()
        again = chart.picture.split("└")[0]
        assert again == linear and again.count("┤") >= 3, again
