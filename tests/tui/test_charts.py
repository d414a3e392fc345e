"""Charts as the learner reads them: a log axis at depth 20, told-apart arms without colour.

`ChartApp` shows one `MetricChart` on a history computed here, so the pictures
depend on the drawing only.
"""

from __future__ import annotations

import math
import re
from typing import Any

import plotext
import pytest
from textual.app import App, ComposeResult

from dllab.charts import draw_chart, log_ticks
from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.tui.widgets.chart import MetricChart

RATIO = ChartSpec(
    id="grad_ratio",
    title={"en": "First-layer / last-layer gradient norm", "zh": "第一层 / 最后一层梯度范数之比"},
    kind=ChartKind.LINE,
    metrics=("grad_ratio",),
    log_y=True,
)
ARMS = ["sigmoid", "relu"]
LABELS = {"sigmoid": "sigmoid", "relu": "ReLU + He"}


def depth_20_history(steps: int = 60) -> RunHistory:
    """The first/last gradient ratio of a 20-layer net: ~1e-14 for sigmoid, ~0.5 for ReLU."""
    history = RunHistory()
    for step in range(steps):
        history.add(
            [
                MetricPoint("r", "sigmoid", step, "grad_ratio", 3e-15 * 10 ** (step / steps)),
                MetricPoint("r", "relu", step, "grad_ratio", 0.4 + 0.2 * math.sin(step / 7)),
            ]
        )
    return history


def y_labels(picture: str) -> list[str]:
    """The y-axis tick labels of a plotext picture (the text left of each `┤`)."""
    return [line.split("┤")[0].strip() for line in picture.splitlines() if "┤" in line]


def test_a_log_axis_over_fourteen_decades_has_few_short_power_of_ten_ticks() -> None:
    plt = plotext
    plt.clear_figure()
    plt.plotsize(78, 16)
    draw_chart(plt, RATIO, depth_20_history(), ARMS, width=70, labels=LABELS)
    picture = plotext.uncolorize(plt.build())
    labels = y_labels(picture)
    assert 2 <= len(labels) <= 6, labels
    assert all(len(label) <= 5 for label in labels), labels
    assert all(re.fullmatch(r"1e-\d+|1|10|100", label) for label in labels), labels
    frame = next(line for line in picture.splitlines() if "┌" in line)
    assert frame.index("┌") <= 6, "the labels leave the plot its width"


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (1e-14, 1.0, ["1e-12", "1e-9", "1e-6", "1e-3", "1"]),
        (0.3, 2.3, ["0.5", "1", "2"]),
        (0.011, 0.019, ["0.011", "0.019"]),
        (1e-5, 1e4, ["1e-4", "1e-2", "1", "100", "1e4"]),
    ],
)
def test_log_ticks(lo: float, hi: float, expected: list[str]) -> None:
    values, labels = log_ticks(lo, hi)
    assert labels == expected
    assert all(lo * 0.999 <= v <= hi * 1.001 for v in values)


class ChartApp(App[None]):
    """One lab chart, full screen."""

    def __init__(self, history: RunHistory, *, marker: str = "braille") -> None:
        super().__init__()
        self.history = history
        self.marker = marker

    def compose(self) -> ComposeResult:
        yield MetricChart(RATIO, marker=self.marker, id="chart")

    def on_mount(self) -> None:
        chart = self.query_one(MetricChart)
        chart.update(self.history, ARMS, labels=LABELS)
        self.call_after_refresh(chart.replot)


async def test_the_lab_chart_at_depth_20_keeps_its_width() -> None:
    app = ChartApp(depth_20_history())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(MetricChart)
        labels = y_labels(chart.picture)
        assert labels and all(len(label) <= 5 for label in labels), labels


def test_log_axis_snapshot_at_depth_20(snap_compare: Any) -> None:
    """The key chart of the vanishing-gradients lesson at depth 20, at 80x24."""
    assert snap_compare(ChartApp(depth_20_history()), terminal_size=(80, 24))


def two_arms_history(steps: int = 40) -> RunHistory:
    """Two arms whose curves cross: told apart only by colour, or by marker without it."""
    history = RunHistory()
    for step in range(steps):
        history.add(
            [
                MetricPoint("r", "sigmoid", step, "grad_ratio", 1e-3 * 10 ** (step / 20)),
                MetricPoint("r", "relu", step, "grad_ratio", 0.1 / (1 + step / 10)),
            ]
        )
    return history


def test_without_colour_each_arm_has_its_own_marker_and_legend_swatch(
    monkeypatch: pytest.MonkeyPatch, snap_compare: Any
) -> None:
    """NO_COLOR with ASCII markers (TERM=linux): sigmoid and ReLU used to be the same `*`."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(ChartApp(two_arms_history(), marker="*"), terminal_size=(80, 24))


async def test_the_no_colour_markers_differ_per_arm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ChartApp(two_arms_history())  # braille asked for, but colour is off
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(MetricChart)
        markers = [entry.marker for entry in chart.legend_entries]
        assert len(set(markers)) == 2 and "braille" not in markers, markers
        plot_area = "\n".join(line for line in chart.picture.splitlines() if "│" in line)
        assert all(m in plot_area for m in markers), chart.picture
        assert not any(0x2800 <= ord(ch) <= 0x28FF for ch in plot_area)
        legend = str(chart.legend.render())
        assert "** sigmoid" in legend.replace("\u00a0", " ") and "++ ReLU + He" in legend.replace(
            "\u00a0", " "
        )


async def test_the_legend_is_under_the_plot_not_over_the_data() -> None:
    app = ChartApp(depth_20_history())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(MetricChart)
        assert "sigmoid" not in chart.picture and "ReLU" not in chart.picture
        assert chart.legend.region.y >= chart.plot.region.bottom
        assert "ReLU + He" in str(chart.legend.render()).replace("\u00a0", " ")


async def test_a_chinese_legend_keeps_the_chart_border_straight() -> None:
    app = ChartApp(depth_20_history())
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(MetricChart)
        chart.update(
            chart.history, ARMS, labels={"sigmoid": "sigmoid", "relu": "ReLU + 何"}, lang="zh"
        )
        chart.replot()
        await pilot.pause()
        from rich.cells import cell_len

        rows = [line for line in chart.picture.splitlines() if "│" in line or "┤" in line]
        assert len({cell_len(line) for line in rows}) == 1, "every row of the frame is as wide"
        assert "何" in str(chart.legend.render())


async def test_a_rebuild_with_new_points_draws_what_a_fresh_figure_draws() -> None:
    """Later builds reuse the figure's size and theme (and a quicker decoder): same picture."""
    history = depth_20_history(30)
    app = ChartApp(history)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(MetricChart)
        first = chart.picture
        history.add([MetricPoint("r", "relu", 30, "grad_ratio", 5.0)])  # a new point
        chart.replot()
        again = chart.picture
        assert again != first and len(again.splitlines()) == len(first.splitlines())
        fresh = MetricChart(RATIO, id="fresh")
        fresh.update(history, ARMS, labels=LABELS)
        chart.display = False
        await app.mount(fresh)
        await pilot.pause()
        fresh.replot()  # its first build sets up a new figure
        assert fresh.picture == again, "the same size (80x24, full screen) and data"
