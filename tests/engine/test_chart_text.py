"""Text charts: character codes in `prefix<i>` drawn as each arm's text (a generated sample)."""

from __future__ import annotations

import math

import plotext

from dllab.charts import NEWLINE_MARK, chart_text, codes_to_text, draw_chart
from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory

SPEC = ChartSpec("sample", {"en": "Sample"}, ChartKind.TEXT, prefix="sample/")


def codes(arm: str, step: int, text: str) -> list[MetricPoint]:
    points = [MetricPoint("r", arm, step, f"sample/{i}", float(ord(c))) for i, c in enumerate(text)]
    return [*points, MetricPoint("r", arm, step, f"sample/{len(text)}", -1.0)]


def test_codes_to_text_stops_at_the_first_non_code() -> None:
    assert codes_to_text([72.0, 105.0, -1.0, 72.0]) == "Hi"
    assert codes_to_text([72.0, math.nan, 105.0]) == "H"
    assert codes_to_text([0x4E2D, 0x6587]) == "中文"
    assert codes_to_text([]) == ""


def test_a_shorter_later_text_hides_the_earlier_tail() -> None:
    history = RunHistory()
    history.add(codes("a", 0, "a long first sample"))
    history.add(codes("a", 5, "short"))
    assert chart_text(history, "a", "sample/") == "short"
    assert chart_text(history, "b", "sample/") == ""  # an arm with no text


def test_the_text_is_drawn_per_arm_with_newlines_marked() -> None:
    history = RunHistory()
    history.add(codes("detach", 0, "Beautiful is better\nthan ugly."))
    history.add(codes("keep", 1, "RuntimeError at batch 2"))
    plotext.clear_figure()
    plotext.plotsize(60, 10)
    legend = draw_chart(
        plotext, SPEC, history, ["detach", "keep"], labels={"keep": "no detach"}, width=60
    )
    plain = plotext.uncolorize(plotext.build())
    assert f"* Beautiful is better{NEWLINE_MARK}than ugly." in plain
    assert "+ RuntimeError at batch 2" in plain
    assert [(e.name, e.marker) for e in legend] == [("detach", "*"), ("no detach", "+")]


def test_long_text_wraps_to_the_width() -> None:
    history = RunHistory()
    history.add(codes("a", 0, "x" * 95))
    plotext.clear_figure()
    plotext.plotsize(50, 10)
    draw_chart(plotext, SPEC, history, ["a"], width=50)
    rows = [plotext.uncolorize(r) for r in plotext.build().splitlines() if "x" in r]
    assert len(rows) == 3  # 95 characters at 46 a line (the marker and the frame take 4)
    assert rows[0].strip("│ ").startswith("* x") and rows[1].strip("│ ").startswith("x")


def test_a_short_plot_gives_every_arm_its_first_line() -> None:
    """3 rows for three two-line texts: each keeps one line, cut with an ellipsis."""
    history = RunHistory()
    for arm in ("a", "b", "c"):
        history.add(codes(arm, 0, arm * 70))
    plotext.clear_figure()
    plotext.plotsize(50, 6)  # the title, the frame and 3 rows
    draw_chart(plotext, SPEC, history, ["a", "b", "c"], width=50, height=6)
    rows = [plotext.uncolorize(r).strip("│ ") for r in plotext.build().splitlines()]
    rows = [r for r in rows if r and not set(r) <= set("─┌┐└┘") and r != "Sample"]
    assert [r[:3] for r in rows] == ["* a", "+ b", "o c"]
    assert all(r.endswith("…") for r in rows)


def test_with_room_the_lines_start_at_the_top() -> None:
    history = RunHistory()
    history.add(codes("a", 0, "one line"))
    plotext.clear_figure()
    plotext.plotsize(50, 10)
    draw_chart(plotext, SPEC, history, ["a"], width=50, height=10)
    rows = [plotext.uncolorize(r) for r in plotext.build().splitlines()]
    top = next(i for i, r in enumerate(rows) if r.startswith("┌"))
    assert "* one line" in rows[top + 1]  # the first row under the frame
