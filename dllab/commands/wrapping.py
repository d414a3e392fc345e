"""Report lines that stay readable in an 80-column terminal.

A terminal breaks a long line at its last column, mid-word, and the continuation starts at
column 0 under the check marks. On a terminal a report line is wrapped at word boundaries to
the terminal's width instead, its continuation lines indented under the text. In a pipe or a
file each line stays one line, so it can be grepped and parsed.
"""

from __future__ import annotations

import shutil
import sys
from typing import IO

import click
from rich.console import Console
from rich.text import Text


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def wrap_for(stream: IO[str], text: str, indent: int, hang: int) -> list[str]:
    """`text` as printed lines: one line off a terminal; on one, wrapped to its width."""
    first = " " * indent + text
    if not _is_terminal(stream):
        return [first]
    width = shutil.get_terminal_size().columns - 1  # the last column: some terminals wrap on it
    room = width - indent - hang
    if room < 20 or Text(first).cell_len <= width:
        return [first]
    console = Console(width=room, file=stream, color_system=None, highlight=False, markup=False)
    lines = [line.plain.rstrip() for line in Text(text).wrap(console, room)]
    return [" " * indent + lines[0]] + [" " * (indent + hang) + line for line in lines[1:]]


def echo_wrapped(text: str, *, indent: int = 0, hang: int = 2, file: IO[str] | None = None) -> None:
    """Print one report line; on a terminal wrapped at words, continuation lines `hang` further in."""
    stream = file if file is not None else sys.stdout
    for line in wrap_for(stream, text, indent, hang):
        click.echo(line, file=file)
