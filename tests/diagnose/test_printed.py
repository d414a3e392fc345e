"""Printed losses: what a line names, and a stream proxy that changes nothing the script sees."""

from __future__ import annotations

import io
import sys

import pytest

from dllab.diagnose._printed import PrintedLine, PrintedLosses, WatchedStream, parse_line


@pytest.mark.parametrize(
    ("line", "val", "train", "epoch"),
    [
        ("epoch 3 val_loss 0.7100", 0.71, None, 3),
        ("val loss: 0.71", 0.71, None, None),
        ("2026-01-01 10:00:00 INFO epoch 4: Validation Loss = 1.5e-1", 0.15, None, 4),
        ("Test set: Average loss: 0.0330, Accuracy: 9890/10000 (99%)", 0.033, None, None),
        ("Epoch 3 | train loss 0.12 | val loss 0.45", 0.45, 0.12, 3),
        ("{'epoch': 7, 'train_loss': 0.1, 'val_loss': 0.71}", 0.71, 0.1, 7),
        ("Epoch [5/100], Val Loss: 0.4000", 0.4, None, 5),
        ("loss/val=0.3", 0.3, None, None),
        ("val_loss tensor(0.7100)", 0.71, None, None),
        ("best val loss 0.50, val loss 0.80", 0.8, None, None),
        ("step 100  train loss 0.01", None, 0.01, None),
    ],
)
def test_a_line_names_its_losses(
    line: str, val: float | None, train: float | None, epoch: int | None
) -> None:
    found = parse_line(line)
    assert found is not None
    assert (found.val, found.train, found.epoch) == (val, train, epoch)


@pytest.mark.parametrize(
    "line",
    [
        "step 100 loss 0.0012",  # a training loss by another name: no validation loss
        "val_loss improved from 0.71 to 0.65, saving model",
        "interval loss 3",
        "val accuracy 0.91",
        "best val loss 0.41",
    ],
)
def test_lines_that_name_no_current_validation_loss(line: str) -> None:
    found = parse_line(line)
    assert found is None or found.val is None


def test_the_watched_stream_passes_everything_on() -> None:
    target = io.StringIO()
    lines: list[str] = []
    stream = WatchedStream(target, lines.append)  # type: ignore[arg-type]
    print("epoch 1 val", end="", file=stream)
    print(" loss 0.5", file=stream)
    stream.writelines(["a\rb\n", "tail"])
    assert target.getvalue() == "epoch 1 val loss 0.5\na\rb\ntail"
    assert lines == ["epoch 1 val loss 0.5", "a", "b"]  # `tail` has no end of line yet
    assert stream.getvalue() == target.getvalue()  # every other attribute is the stream's own
    assert stream.writable() and not stream.closed


def test_install_and_uninstall_restore_sys_streams() -> None:
    seen: list[PrintedLine] = []
    before = sys.stdout, sys.stderr
    printed = PrintedLosses(seen.append)
    printed.install()
    try:
        assert isinstance(sys.stdout, WatchedStream)
        assert sys.stdout.fileno() == before[0].fileno()
        print("epoch 2: val loss = 0.25")
    finally:
        printed.uninstall()
    assert (sys.stdout, sys.stderr) == before
    assert [(p.val, p.epoch) for p in seen] == [(0.25, 2)]
