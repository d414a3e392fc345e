"""`ClaimView`: the lesson's claim as live ✓/✗ marks, one check per line.

Checks wrap instead of ending in "…": the claim is the lesson's central
statement and must be readable whole at 80 columns. When the whole claim
would take more rows than the lesson screen can spare (`max_rows`: 4 checks
wrapping to 3 lines each left the chart one plot row at 80x24), it shows one
line per check instead: the mark, the numbers and the text cut to the width,
under a summary line that counts the checks that hold. A key (`expanded`)
shows the whole claim again. The lesson screen gives the charts the rows that
are left (`ClaimView.Resized` tells it when to recount).
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from dllab.curriculum.claims import ClaimResult
from dllab.tui.i18n import tr
from dllab.tui.widgets.rows import rows_of, update_rows


def cut_cells(text: str, width: int) -> str:
    """`text` in at most `width` terminal cells, ending in "…" if cut (whole characters only)."""
    if cell_len(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else str(value)


class ClaimView(Static):
    """Shows each check as ✓ (holds), ✗ (does not hold yet) or · (no data yet)."""

    DEFAULT_CSS = """
    ClaimView {
        height: auto;
        padding: 0 1;
    }
    """

    class Resized(Message):
        """The claim took more or fewer rows (a check wrapped, values appeared)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_rows: int | None = None
        """Rows the whole claim may take; more, and each check gets one cut line."""
        self.expanded = False
        """Show the whole claim whatever its rows (the learner asked for it)."""
        self.short = False
        """Whether the checks are shown one cut line each (the whole claim did not fit)."""
        self.result: ClaimResult | None = None
        self.flipped: set[int] = set()
        """Checks that went from ✗ to ✓ during this run (drawn as '✗→✓')."""
        self._seen_fail: set[int] = set()
        self.lang = "en"
        self._shown = Text()
        self._shown_rows = -1

    def on_resize(self, event: events.Resize) -> None:
        self._shown_rows = -1  # the width changed: rows are counted again
        self.post_message(self.Resized())

    def reset(self) -> None:
        """Forget the flips of the previous run."""
        self.flipped.clear()
        self._seen_fail.clear()

    def set_result(self, result: ClaimResult, lang: str) -> None:
        """Display a verdict (call on every redraw tick while a run trains)."""
        self.lang = lang
        for i, check in enumerate(result.checks):
            if check.passed is False:
                self._seen_fail.add(i)
            elif check.passed is True and i in self._seen_fail:
                self.flipped.add(i)
        self.result = result
        self.show()

    def show(self) -> None:
        """Draw the result as it fits now (after a resize, a new `max_rows`, `expanded`)."""
        text = self._text()
        self.short = False
        if self.max_rows is not None and self.result is not None:
            too_long = rows_of(self, text) > self.max_rows
            self.short = too_long and not self.expanded
            if self.short:
                text = self._short_text()
            elif too_long:  # the learner asked for the whole claim: say how to fold it
                text = self._text(fold=True)
        if text == self._shown:
            return  # the same marks and numbers: nothing to send
        self._shown_rows = update_rows(self, text, self._shown_rows)
        self._shown = text

    def _head(self) -> Text:
        result = self.result
        assert result is not None
        head = tr("claim_holds", self.lang) if result.passed else tr("claim", self.lang)
        return Text(
            ("✓ " if result.passed else "") + head, style="bold green" if result.passed else "bold"
        )

    def _mark(self, i: int) -> Text:
        check = self.result.checks[i]  # type: ignore[union-attr]
        if check.passed is True:
            return Text(("✗→✓" if i in self.flipped else "✓") + " ", style="bold green")
        if check.passed is False:
            return Text("✗ ", style="bold red")
        return Text("· ", style="dim")

    def _values(self, i: int) -> Text:
        check = self.result.checks[i]  # type: ignore[union-attr]
        if not check.values or check.passed is None:
            return Text()
        # the numbers only: the check's text already says what they measure
        values = ", ".join(_fmt(v) for v in check.values.values())
        return Text(f"  (= {values})", style="dim")

    def _text(self, fold: bool = False) -> Text:
        text = Text()
        result = self.result
        if result is None:
            return text
        text.append_text(self._head())
        if fold:
            text.append(f"  ({tr('claim_fold', self.lang)})", style="dim")
        for i, check in enumerate(result.checks):
            text.append("\n")
            text.append_text(self._mark(i))
            text.append(check.text, style="" if check.passed is not None else "dim")
            text.append_text(self._values(i))
        return text

    def _short_text(self) -> Text:
        """The summary (how many hold, the key for the whole claim), then one line per check.

        Each line keeps its mark and numbers; the check's text is cut to what is left.
        """
        result = self.result
        assert result is not None
        width = max(1, self.content_size.width)
        held = sum(1 for check in result.checks if check.passed is True)
        rows = self.max_rows or len(result.checks) + 1
        shown = len(result.checks) if len(result.checks) < rows else max(0, rows - 1)
        head = self._head()
        if any(check.passed is not None for check in result.checks):  # not before any data
            head.append(f" · {tr('claim_count', self.lang, held=held, total=len(result.checks))}")
        if shown < len(result.checks):  # no room for every line: the rest as marks
            head.append(f" · +{len(result.checks) - shown}")
            for i in range(shown, len(result.checks)):
                mark = self._mark(i)
                mark.rstrip()
                head.append(" ")
                head.append_text(mark)
        head.append(f"  ({tr('claim_whole', self.lang)})", style="dim")
        head.truncate(width, overflow="ellipsis")
        lines = [head]
        for i, check in enumerate(result.checks[:shown]):
            mark, values = self._mark(i), self._values(i)
            room = width - mark.cell_len - values.cell_len
            words = Text(
                cut_cells(check.text, room), style="" if check.passed is not None else "dim"
            )
            line = Text.assemble(mark, words, values)
            line.truncate(width, overflow="ellipsis")
            lines.append(line)
        return Text("\n").join(lines)
