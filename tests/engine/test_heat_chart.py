"""Heat charts: a strip (one row per arm) or a 2-D map (a k×k kernel per arm), readable at 80x24.

Cells are filled with shade characters (░ ▒ ▓ █ by strength), so a map reads
without colour (NO_COLOR) or braille (TERM=linux); a map's cells also print
their value. Lesson 24 draws its learned kernel this way, lesson 27 its
attention strip; the Visdom mirror sends the same cells as a plotly heatmap.
"""

from __future__ import annotations

import math

import plotext as plt
import pytest

from dllab.charts import draw_chart, legend_text
from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.heatcells import HEAT_SHADES, heat_grid, heat_scale
from dllab.mirrors._windows import HeatWindow

KERNEL = ChartSpec("kernel", {"en": "Kernel"}, ChartKind.HEAT, prefix="kernel/")
STRIP = ChartSpec("heat", {"en": "Attention"}, ChartKind.HEAT, prefix="attn/")

WEIGHTS = {
    "gmp": [[0.24, 0.45, 0.44], [0.38, 0.14, -0.37], [0.16, -0.19, -0.46]],
    "flat": [[0.23, 0.40, 0.43], [0.39, 0.17, -0.28], [0.10, -0.31, -0.42]],
}
"""Two arms' 3x3 kernels (about lesson 24's, each value once); the arm 'mlp' has none."""


def kernel_history() -> RunHistory:
    history = RunHistory()
    points = [MetricPoint("r", "mlp", 0, "loss", 1.0)]
    for arm, kernel in WEIGHTS.items():
        for r, row in enumerate(kernel):
            points += [
                MetricPoint("r", arm, 0, f"kernel/{r + 1},{c + 1}", v) for c, v in enumerate(row)
            ]
    history.add(points)
    return history


def draw(spec: ChartSpec, history: RunHistory, arms: list[str], width: int, height: int) -> str:
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    legend = draw_chart(
        plt, spec, history, arms, width=width, height=height, colors=False, title=False
    )
    picture: str = plt.uncolorize(plt.build())
    return picture + "\n" + legend_text(legend, colors=False).plain.replace("\xa0", " ")


def test_names_give_the_shape_of_the_cells() -> None:
    assert heat_grid({"attn/1": 0.5, "attn/3": 0.25, "loss": 1.0}, "attn/") == [
        [0.5, pytest.approx(math.nan, nan_ok=True), 0.25]
    ]
    grid = heat_grid({f"kernel/{r},{c}": 10 * r + c for r in (1, 2) for c in (1, 2, 3)}, "kernel/")
    assert grid == [[11, 12, 13], [21, 22, 23]]  # rows × columns, row 1 first
    assert heat_grid({"kernel/x": 1.0, "kernel/0": 2.0, "kernel/1,2,3": 3.0}, "kernel/") == []


def test_a_scale_brightens_with_the_value_or_its_size() -> None:
    signed = heat_scale([-0.46, 0.1, 0.45])
    assert signed is not None and signed.signed and signed.hi == 0.46
    assert signed.shade(-0.46) == signed.shade(0.46) == HEAT_SHADES[-1]
    assert signed.color(-0.1) != signed.color(0.1)
    logs = heat_scale([-6.0, -3.0, -1.0])  # log10 gradients: higher is more gradient
    assert logs is not None and not logs.signed
    assert logs.shade(-6.0) == HEAT_SHADES[0] and logs.shade(-1.0) == HEAT_SHADES[-1]
    assert heat_scale([math.nan]) is None


@pytest.mark.parametrize("size", [(48, 9), (78, 14)], ids=["80x24", "wider"])
def test_a_kernel_is_a_grid_of_cells_per_arm(size: tuple[int, int]) -> None:
    """At 80x24 the lab's chart is 48 columns wide and about 9 lines high."""
    text = draw(KERNEL, kernel_history(), ["mlp", "gmp", "flat"], *size)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= size[0]
    assert any(shade in text for shade in HEAT_SHADES)

    def where(label: str) -> tuple[int, int]:
        found = [(i, line.find(label)) for i, line in enumerate(lines) if label in line]
        assert found, f"{label} not drawn:\n{text}"
        return found[0]

    def label(v: float) -> str:
        full = f"{v:+.2f}"
        return full if full in text else full.replace("0.", ".", 1)

    for kernel in WEIGHTS.values():
        rows = [[where(label(v)) for v in row] for row in kernel]
        for row in rows:  # the cells of a row sit on one line, left to right
            assert len({y for y, _ in row}) == 1 and [x for _, x in row] == sorted(
                x for _, x in row
            )
        assert rows[0][0][0] < rows[-1][0][0], "row 1 is drawn above row 3"
    # the two maps side by side: the first arm's cells left of the second's
    assert where(label(0.24))[1] < where(label(0.23))[1]
    assert "gmp" in text and "flat" in text and "mlp" not in text  # no kernel, no map
    assert "> 0" in lines[-1] and "< 0" in lines[-1] and "0.46" in lines[-1]


def test_a_one_by_one_kernel_is_still_a_map() -> None:
    """kernel=1 in lesson 24: one cell per arm, side by side with its value, not a strip."""
    history = RunHistory()
    history.add(
        [MetricPoint("r", arm, 0, "kernel/1,1", v) for arm, v in (("a", 0.5), ("b", -0.25))]
    )
    line = next(
        line for line in draw(KERNEL, history, ["a", "b"], 48, 9).splitlines() if "+" in line
    )
    assert line.index("+0.50") < line.index("-0.25")


def test_an_attention_strip_is_one_row_per_arm() -> None:
    history = RunHistory()
    for arm, peak in (("gru", 50), ("attn_pos", 1), ("attn_nopos", 25)):
        weights = [0.02] * 50
        weights[peak - 1] = 0.75
        history.add([MetricPoint("r", arm, 9, f"attn/{t}", w) for t, w in enumerate(weights, 1)])
    text = draw(STRIP, history, ["gru", "attn_pos", "attn_nopos"], 48, 9)
    lines = text.splitlines()
    rows = {
        arm: next(i for i, line in enumerate(lines) if arm in line) for arm in ("gru", "attn_pos")
    }
    assert rows["gru"] < rows["attn_pos"], "the first arm on top"
    full = HEAT_SHADES[-1]
    gru, pos = lines[rows["gru"]], lines[rows["attn_pos"]]
    # the strongest cell sits where its arm's weight peaks: right end for gru, left end for attn_pos
    assert pos.index(full) < len(pos) // 3 and gru.rindex(full) > 2 * len(gru) // 3
    assert "1" in lines[-3] and "50" in lines[-3]  # the positions on the x axis
    assert "0.75" in lines[-1]


def test_the_visdom_window_sends_a_map_per_arm_side_by_side() -> None:
    window = HeatWindow(KERNEL, ["mlp", "gmp", "flat"], "en")
    for arm, kernel in WEIGHTS.items():
        for r, row in enumerate(kernel):
            for c, v in enumerate(row):
                window.add(MetricPoint("r", arm, 0, f"kernel/{r + 1},{c + 1}", v))
    [trace] = window.traces()
    assert trace["type"] == "heatmap" and trace["y"] == ["1", "2", "3"]
    assert trace["z"][0] == [0.24, 0.45, 0.44, None, 0.23, 0.40, 0.43]  # a gap between arms
    assert trace["x"][:3] == ["gmp 1", "gmp 2", "gmp 3"] and len(trace["x"]) == 7
    assert trace["zmid"] == 0 and trace["colorscale"] == "RdBu"  # signed weights around 0
    assert window.layout()["yaxis"]["autorange"] == "reversed"  # row 1 on top, as in the lab


def test_the_visdom_strip_stays_one_row_per_arm() -> None:
    window = HeatWindow(STRIP, ["a", "b"], "en")
    for arm in ("a", "b"):
        for t, w in ((1, 0.25), (2, 0.75)):
            window.add(MetricPoint("r", arm, 0, f"attn/{t}", w))
    [trace] = window.traces()
    assert trace["z"] == [[0.25, 0.75], [0.25, 0.75]] and trace["y"] == ["a", "b"]
    assert "yaxis" not in window.layout() or "autorange" not in window.layout()["yaxis"]
