"""Lesson 24's learned kernel in the lab at 80x24: a 3x3 map per CNN, with colour and without.

The lab draws it through the same `draw_chart` as `dllab run`; here the kernel
chart is brought up with `c` as a learner does and fed a run's last values.
"""

from __future__ import annotations

import pytest

from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.heatcells import HEAT_SHADES
from dllab.tui.app import make_app
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import MetricChart

KERNELS = {
    "cnn_gmp": [[0.24, 0.45, 0.44], [0.38, 0.14, -0.37], [0.16, -0.19, -0.46]],
    "cnn_flat": [[0.23, 0.40, 0.43], [0.39, 0.17, -0.28], [0.10, -0.31, -0.42]],
}


def kernel_history() -> RunHistory:
    history = RunHistory()
    points = [MetricPoint("r", "mlp", 12, "val_acc", 0.96)]
    for arm, kernel in KERNELS.items():
        for r, row in enumerate(kernel, 1):
            points += [
                MetricPoint("r", arm, 12, f"kernel/{r},{c}", v) for c, v in enumerate(row, 1)
            ]
    history.add(points)
    return history


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_kernel_map_reads_at_80x24(
    monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(lang="en", fps=20.0, ascii_markers=no_color)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson("cnn-weight-sharing")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        ids = [spec.id for spec in screen.lesson.charts]
        for _ in range(ids.index("kernel")):
            await pilot.press("c")
        await pilot.pause(0.2)
        [chart] = [c for c in screen.query(MetricChart) if c.display]
        assert chart.spec.id == "kernel"
        chart.update(kernel_history(), list(screen.lesson.arms), labels={})
        chart.replot()
        picture = chart.picture
        assert chart.plot.size.width <= 48
        lines = [line for line in picture.splitlines() if ".1" in line or ".2" in line]
        assert len(lines) >= 3, picture  # the three kernel rows, each with its numbers
        top = next(line for line in lines if ".24" in line)
        assert top.index(".24") < top.index(".45") < top.index(".23"), picture
        assert any(shade in picture for shade in HEAT_SHADES) or len(lines) == 3, picture
        legend = " ".join(entry.name for entry in chart.legend_entries)
        assert "> 0" in legend and "< 0" in legend, legend
