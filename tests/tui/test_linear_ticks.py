"""Linear y axes with huge values: short tick labels (`7.2e9`), headless and in the lab.

A lesson run at lr=0.1 diverged to a loss of 7184496128: plotext labelled the
axis `7184496128.0` and the plot lost a sixth of its width at 80 columns.
"""

from __future__ import annotations

import math
import re

import plotext
import pytest
from textual.app import App, ComposeResult

from dllab.charts import YAxis, draw_chart, linear_ticks
from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.tui.widgets.chart import MetricChart

LOSS = ChartSpec(
    id="loss",
    title={"en": "Training loss", "zh": "训练损失"},
    kind=ChartKind.LINE,
    metrics=("loss",),
)
SHORT = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


def loss_history(last: float, steps: int = 60) -> RunHistory:
    """A loss from 2.3 that ends at `last` (geometrically: a divergence when `last` is huge)."""
    history = RunHistory()
    for step in range(steps):
        value = 2.3 * (last / 2.3) ** (step / (steps - 1))
        history.add([MetricPoint("r", "lr=0.1", step, "loss", value)])
    return history


def y_labels(picture: str) -> list[str]:
    """The y-axis tick labels of a plotext picture (the text left of each `┤`)."""
    return [line.split("┤")[0].strip() for line in picture.splitlines() if "┤" in line]


@pytest.mark.parametrize(
    ("lo", "hi"), [(0.1, 7184496128.0), (-3e9, 2e9), (0.5, 123456.0), (1e-7, 9e-7), (7.1e9, 7.2e9)]
)
def test_huge_and_tiny_ranges_get_short_distinct_labels(lo: float, hi: float) -> None:
    ticks = linear_ticks(lo, hi)
    assert ticks is not None
    values, labels = ticks
    assert 2 <= len(values) <= 7, labels
    slack = 1e-6 * (hi - lo)
    assert all(lo - slack <= v <= hi + slack for v in values), values
    assert all(len(label) <= 7 and SHORT.fullmatch(label) for label in labels), labels
    assert len(set(labels)) == len(labels), "every tick reads differently"
    for value, label in zip(values, labels, strict=True):
        assert math.isclose(float(label), value, rel_tol=1e-6, abs_tol=1e-12), (label, value)


def test_the_log_axis_notation_is_used() -> None:
    assert linear_ticks(0.0, 7.2e9) == ([0.0, 2e9, 4e9, 6e9], ["0", "2e9", "4e9", "6e9"])


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (2.3, 2.4), (0.0, 30000.0), (1e-5, 1e-3)])
def test_ordinary_ranges_keep_plotexts_labels(lo: float, hi: float) -> None:
    assert linear_ticks(lo, hi) is None


def test_a_diverged_loss_headless_keeps_the_plot_wide() -> None:
    plt = plotext
    plt.clear_figure()
    plt.plotsize(78, 16)
    axis = YAxis()
    draw_chart(plt, LOSS, loss_history(7184496128.0), ["lr=0.1"], width=70, axis=axis)
    picture = plotext.uncolorize(plt.build())
    labels = y_labels(picture)
    assert axis.short and labels, picture
    assert all(len(label) <= 7 for label in labels), labels
    assert "e9" in "".join(labels), labels
    frame = next(line for line in picture.splitlines() if "┌" in line)
    assert frame.index("┌") <= 8, "the labels leave the plot its width"


class LossApp(App[None]):
    """One lab loss chart, full screen."""

    def compose(self) -> ComposeResult:
        yield MetricChart(LOSS, id="chart")


async def test_the_lab_chart_shortens_then_gives_back_plotexts_labels() -> None:
    """A diverged run, then a sane one on the same widget: no `e9` ticks left over."""
    app = LossApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(MetricChart)
        chart.update(loss_history(7184496128.0), ["lr=0.1"])
        chart.replot()
        await pilot.pause()
        labels = y_labels(chart.picture)
        assert labels and all(len(label) <= 7 for label in labels), labels
        assert any("e9" in label for label in labels), labels
        chart.update(loss_history(0.05), ["lr=0.1"])
        chart.replot()
        await pilot.pause()
        labels = y_labels(chart.picture)
        assert labels and not any("e" in label for label in labels), labels
        assert max(float(label) for label in labels) < 3, labels
