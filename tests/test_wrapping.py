"""Report lines of `dllab run` on an 80-column terminal: wrapped at words, one line in a pipe."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len

from dllab.commands.wrapping import wrap_for

CLAIM = (
    "✓ the deepest sigmoid layer gets a gradient at least 100x smaller than the last layer, "
    "and the ReLU net keeps it within 10x  (ratio_sigmoid = 1.2e-05, ratio_relu = 0.43)"
)
CHINESE = "最前面一层的梯度比最后一层小一百倍以上，而 ReLU 网络的梯度保持在十倍以内，这就是 sigmoid 深层网络里的梯度消失。"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        if self.closed:  # as a real file does
            raise ValueError("I/O operation on closed file")
        return True


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")


@pytest.mark.parametrize("text", [CLAIM, CHINESE])
def test_on_a_terminal_a_long_line_wraps_at_words_under_its_text(text: str) -> None:
    lines = wrap_for(Terminal(), text, indent=2, hang=2)
    assert len(lines) > 1
    assert all(cell_len(line) <= 79 for line in lines)
    assert lines[0].startswith("  ") and not lines[0].startswith("   ")
    assert all(line.startswith("    ") for line in lines[1:])
    # no word is cut: the words read back are the words written
    assert " ".join(" ".join(lines).split()) == " ".join(text.split())


def test_a_short_line_and_a_pipe_keep_one_line() -> None:
    assert wrap_for(Terminal(), "✓ short", indent=2, hang=2) == ["  ✓ short"]
    assert wrap_for(io.StringIO(), CLAIM, indent=2, hang=2) == ["  " + CLAIM]


def test_a_closed_stream_is_not_a_terminal() -> None:
    stream = Terminal()
    stream.close()
    assert wrap_for(stream, CLAIM, indent=0, hang=2) == [CLAIM]
