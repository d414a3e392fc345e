"""Arm labels on heat charts are cut by terminal cells, not characters (Chinese takes two)."""

from __future__ import annotations

from rich.cells import cell_len

from dllab.charts import _short


def test_a_chinese_label_fits_its_cells() -> None:
    label = "无位置编码的注意力模型"  # 11 characters, 22 cells
    cut = _short(label, 10)
    assert cell_len(cut) <= 10 and cut.endswith("…") and cut.startswith("无位置")


def test_ascii_labels_keep_their_old_cut() -> None:
    assert _short("abcdefghijkl", 6) == "abcde…"
    assert _short("ab", 6) == "ab"
