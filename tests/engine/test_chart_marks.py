"""Line charts' `mark_min`: a vertical line per arm at the step of the metric's lowest value."""

from __future__ import annotations

from typing import Any

from dllab.charts import draw_chart
from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory


class RecordingPlot:
    """Just enough of plotext's figure API to see what a chart draws."""

    def __init__(self) -> None:
        self.vlines: list[tuple[float, str]] = []

    def vertical_line(self, x: float, color: str = "") -> None:
        self.vlines.append((x, color))

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def test_mark_min_draws_the_best_step_of_each_arm() -> None:
    history = RunHistory()
    for arm, values in {"a": [3.0, 1.0, 2.0, 5.0], "b": [3.0, 2.5, 2.0, float("nan")]}.items():
        for step, v in enumerate(values):
            history.add([MetricPoint("r", arm, step, "val_loss", v)])
            history.add([MetricPoint("r", arm, step, "train_loss", 1.0 / (step + 1))])
    spec = ChartSpec(
        "loss", {"en": "loss"}, ChartKind.LINE, ("train_loss", "val_loss"), mark_min="val_loss"
    )
    plt = RecordingPlot()
    draw_chart(plt, spec, history, ["a", "b"])
    assert [x for x, _ in plt.vlines] == [1, 2]  # NaN is never the minimum
    assert plt.vlines[0][1] != plt.vlines[1][1]  # each arm in its own colour


def test_no_mark_without_mark_min() -> None:
    history = RunHistory()
    history.add([MetricPoint("r", "a", 0, "val_loss", 1.0)])
    plt = RecordingPlot()
    draw_chart(plt, ChartSpec("l", {"en": "l"}, ChartKind.LINE, ("val_loss",)), history, ["a"])
    assert plt.vlines == []
