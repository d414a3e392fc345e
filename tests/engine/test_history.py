"""Bounded metric history: flat memory, exact summaries, spikes survive downsampling."""

from __future__ import annotations

import math

from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory, SeriesHistory, downsample


def test_memory_stays_flat_for_a_long_run() -> None:
    series = SeriesHistory(recent=256, max_buckets=64)
    sizes = []
    for i in range(200_000):
        series.add(i, math.sin(i / 100))
        if i in (10_000, 100_000, 199_999):
            sizes.append(series.memory_items())
    # 20x more points, same bound: recent window + at most max_buckets (+1 pending)
    assert all(size <= 256 + 64 + 1 for size in sizes), sizes


def test_summaries_are_exact_after_folding() -> None:
    series = SeriesHistory(recent=100, max_buckets=8)
    values = [float((i * 37) % 101) for i in range(10_000)]
    for i, v in enumerate(values):
        series.add(i, v)
    assert series.first == (0, values[0]) and series.last == (9999, values[-1])
    assert series.lo == min(values) and series.hi == max(values)
    assert math.isclose(series.mean, sum(values) / len(values))
    assert series.count == 10_000
    assert [v for _, v in series.recent(5)] == values[-5:]


def test_chart_gets_at_most_n_points_and_the_spike_survives() -> None:
    series = SeriesHistory(recent=1000, max_buckets=32)
    for i in range(50_000):
        series.add(i, 1000.0 if i == 12_345 else 1.0)
    for n in (20, 160, 400):
        pts = series.points(n)
        assert len(pts) <= n
        assert max(v for _, v in pts) == 1000.0
    steps = [s for s, _ in series.points(400)]
    assert steps == sorted(steps)


def test_points_for_a_range() -> None:
    series = SeriesHistory(recent=100, max_buckets=16)
    for i in range(1000):
        series.add(i, float(i))
    pts = series.points(50, start=950, end=999)
    assert all(950 <= s <= 999 for s, _ in pts) and len(pts) == 50


def test_nonfinite_values_are_remembered_but_not_summed() -> None:
    series = SeriesHistory()
    for i, v in enumerate([1.0, 2.0, math.nan, math.inf, 3.0]):
        series.add(i, v)
    assert series.first_nonfinite_step == 2
    assert series.mean == 2.0 and series.hi == 3.0


def test_downsample_keeps_order_and_extremes() -> None:
    pts = [(i, float(i % 10)) for i in range(1000)]
    out = downsample(pts, 100)
    assert len(out) <= 100 and out == sorted(out)
    assert {v for _, v in out} >= {0.0, 9.0}


def test_run_history_versions_and_names() -> None:
    history = RunHistory()
    v0 = history.version
    history.add([MetricPoint("r", "a", 0, "loss", 1.0), MetricPoint("r", "b", 0, "acc", 0.5)])
    assert history.version > v0
    assert history.arm_order == ["a", "b"]
    assert history.names() == ["loss", "acc"] and history.names("b") == ["acc"]
    assert history.last_values("a") == {"loss": 1.0}
    assert history.points("zzz", "loss") == []
