"""plotext's coloured output to a Rich `Text`, fast.

`Text.from_ansi` decodes any terminal stream, one code at a time; on a lesson
chart it took about half of the chart's build time (a busy 2-core box, issue
13). plotext writes only SGR colour codes, in runs (`ESC[48;5;0m ESC[38;5;1m
text ESC[0m`), so a split on those codes plus one cached style per distinct
code run gives the same picture. Anything else (a code that is not SGR) falls
back to `Text.from_ansi`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.style import Style
from rich.text import Span, Text

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


@lru_cache(maxsize=256)
def _style(codes: str) -> Style | str:
    """The style a run of SGR codes sets (decoded once, by Rich itself)."""
    spans = Text.from_ansi(f"\x1b[{codes}mx").spans
    return spans[0].style if spans else ""


def sgr_text(ansi: str) -> Text:
    """`Text.from_ansi(ansi)` for output with SGR codes only (plotext's)."""
    if "\x1b" in _SGR.sub("", ansi):
        return Text.from_ansi(ansi)
    parts: list[str] = []
    spans: list[Span] = []
    position = cursor = 0
    codes = ""
    for match in _SGR.finditer(ansi):
        chunk = ansi[cursor : match.start()]
        if chunk:
            parts.append(chunk)
            style = _style(codes) if codes else ""
            if style:
                spans.append(Span(position, position + len(chunk), style))
            position += len(chunk)
        code = match.group(1)
        codes = "" if code in ("", "0") else f"{codes};{code}" if codes else code
        cursor = match.end()
    tail = ansi[cursor:]
    if tail:
        parts.append(tail)
        style = _style(codes) if codes else ""
        if style:
            spans.append(Span(position, position + len(tail), style))
    return Text("".join(parts), spans=spans)
