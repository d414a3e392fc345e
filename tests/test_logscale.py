"""One log-scale bar policy for the lesson charts, the diagnose report and the lab."""

from __future__ import annotations

import math

from dllab.logscale import decade_label, log_bars


def test_bars_stand_on_a_floor_one_decade_below_the_smallest_value() -> None:
    (heights,), (ticks, labels) = log_bars([[1e-7, 1e-3, 0.5]])
    # floor = 1e-8: the smallest gradient is the shortest bar, not the longest
    assert heights == [1.0, 5.0, math.log10(0.5) + 8]
    assert heights[0] < heights[1] < heights[2]
    assert labels[0] == "1e-8" and labels[-1] == "1"
    assert ticks[0] == 0.0 and ticks == sorted(set(ticks))


def test_values_a_log_axis_cannot_show_get_no_bar() -> None:
    groups, _ = log_bars([[0.0, math.nan, 1.0], [math.inf, -1.0, 10.0]])
    assert groups[0][:2] == [0.0, 0.0] and groups[1][:2] == [0.0, 0.0]
    assert 0 < groups[0][2] < groups[1][2]
    assert log_bars([[0.0]]) == ([[0.0]], ([0.0], ["0"]))


def test_wide_ranges_label_about_six_decades() -> None:
    _, (_, labels) = log_bars([[1e-30, 1e3]])
    assert 4 <= len(labels) <= 7
    assert [decade_label(k) for k in (-3, 0, 3, 4)] == ["1e-3", "1", "1000", "1e4"]
