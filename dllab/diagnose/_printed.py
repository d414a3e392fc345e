"""Losses the script prints: `epoch 3 val_loss 0.7100`, `Validation Loss = 0.71` (child only).

Many scripts compute their validation loss in a way the loss probes cannot tell
from training (gradients on, the model in train mode, a hand-written loss) and
only print it. `PrintedLosses` reads each line written to `sys.stdout` and
`sys.stderr` (`print`, `logging`'s stream handlers, tqdm's `write`) through a
thin proxy that passes everything on unchanged, and keeps the validation (and
training) losses it names with the optimizer step they were printed at.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

_NUMBER = r"(?:tensor\()?\s*([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)"
_SEP = r"""['"]?\s*(?:[:=]|\bis\b)?\s*"""
_VAL_NAME = r"(?:val|valid|validation|dev|eval|evaluation|test|held[- ]?out)"
_VAL = re.compile(
    rf"""(?ix)
    (?:\b{_VAL_NAME}(?:[ _\-/.]?set)?[ _\-/.:|]*(?:avg\.?|average|mean)?[ _\-/.:]*loss\b   # val loss, test set: average loss
     | \bloss[ _\-/.]{_VAL_NAME}\b)                                                # loss/val, loss_val
    {_SEP}{_NUMBER}"""
)
_TRAIN = re.compile(
    rf"""(?ix)
    (?:\b(?:train|training|trn)[ _\-/.:|]*(?:avg\.?|average|mean)?[ _\-/.:]*loss\b
     | \bloss[ _\-/.](?:train|training)\b)
    {_SEP}{_NUMBER}"""
)
_EPOCH = re.compile(r"(?i)\bepoch\b['\"]?\s*[:=#]?\s*\[?\s*(\d+)")
_MAX_LINE = 2000
"""Longer lines are not read (a progress bar's or a tensor's dump)."""


class PrintedLine:
    """What one printed line said about the losses."""

    __slots__ = ("epoch", "train", "val")

    def __init__(self, val: float | None, train: float | None, epoch: int | None) -> None:
        self.val, self.train, self.epoch = val, train, epoch


def parse_line(line: str) -> PrintedLine | None:
    """The validation / training loss (and epoch) one line names, or None."""
    if len(line) > _MAX_LINE or ("oss" not in line and "OSS" not in line):
        return None
    val = _first(_VAL, line)
    train = _first(_TRAIN, line)
    if val is None and train is None:
        return None
    epoch = _EPOCH.search(line)
    return PrintedLine(
        _float(val.group(1)) if val else None,
        _float(train.group(1)) if train else None,
        int(epoch.group(1)) if epoch else None,
    )


_NOT_CURRENT = re.compile(r"(?i)(?:best|min|minimum|lowest|prev|previous|old)[\s_\-:]*$")


def _first(pattern: re.Pattern[str], line: str) -> re.Match[str] | None:
    """The first match not naming a best or previous value (`best val loss 0.41` is no evaluation)."""
    for match in pattern.finditer(line):
        if not _NOT_CURRENT.search(line[max(0, match.start() - 12) : match.start()]):
            return match
    return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class WatchedStream:
    """`sys.stdout` / `sys.stderr` as the script sees it: the same stream, lines read on the way.

    Every attribute but `write`/`writelines` is the stream's own (`fileno`,
    `isatty`, `buffer`, `encoding`…), and what is written reaches it unchanged.
    """

    def __init__(self, stream: TextIO, on_line: Callable[[str], None]) -> None:
        self.__dict__["_stream"] = stream
        self.__dict__["_on_line"] = on_line
        self.__dict__["_partial"] = ""

    def write(self, text: str) -> int:
        stream: TextIO = self.__dict__["_stream"]
        written = stream.write(text)
        if isinstance(text, str):
            self._read(text)
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def _read(self, text: str) -> None:
        partial = self.__dict__["_partial"] + text
        if "\n" in partial or "\r" in partial:
            *lines, partial = re.split(r"[\r\n]", partial)
            for line in lines:
                if line:
                    self._on_line(line)
        self.__dict__["_partial"] = partial[-_MAX_LINE:]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_stream"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["_stream"], name, value)


class PrintedLosses:
    """Installs the stream proxies and hands each loss line to `on_loss`."""

    def __init__(self, on_loss: Callable[[PrintedLine], None]) -> None:
        self.on_loss = on_loss
        self._saved: list[tuple[str, Any]] = []

    def _line(self, line: str) -> None:
        found = parse_line(line)
        if found is not None:
            self.on_loss(found)

    def install(self) -> None:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None:
                self._saved.append((name, stream))
                setattr(sys, name, WatchedStream(stream, self._line))

    def uninstall(self) -> None:
        for name, stream in self._saved:
            if isinstance(getattr(sys, name), WatchedStream):
                setattr(sys, name, stream)
        self._saved.clear()
