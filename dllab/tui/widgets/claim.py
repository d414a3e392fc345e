"""`ClaimView`: the lesson's claim as live ✓/✗ marks, one check per line.

Checks wrap instead of ending in "…": the claim is the lesson's central
statement and must be readable whole at 80 columns. The lesson screen gives
the charts the rows that are left (`ClaimView.Resized` tells it when to recount).
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from dllab.curriculum.claims import ClaimResult
from dllab.tui.i18n import tr
from dllab.tui.widgets.rows import update_rows


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else str(value)


class ClaimView(Static):
    """Shows each check as ✓ (holds), ✗ (does not hold yet) or · (no data yet)."""

    DEFAULT_CSS = """
    ClaimView {
        height: auto;
        padding: 0 1;
        border-bottom: solid $primary;
    }
    """

    class Resized(Message):
        """The claim took more or fewer rows (a check wrapped, values appeared)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
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
        text = self._text()
        if text == self._shown:
            return  # the same marks and numbers: nothing to send
        self._shown_rows = update_rows(self, text, self._shown_rows)
        self._shown = text

    def _text(self) -> Text:
        text = Text()
        result = self.result
        if result is None:
            return text
        head = tr("claim_holds", self.lang) if result.passed else tr("claim", self.lang)
        text.append(
            ("✓ " if result.passed else "") + head, style="bold green" if result.passed else "bold"
        )
        for i, check in enumerate(result.checks):
            text.append("\n")
            if check.passed is True:
                mark = "✗→✓" if i in self.flipped else "✓"
                text.append(f"{mark} ", style="bold green")
            elif check.passed is False:
                text.append("✗ ", style="bold red")
            else:
                text.append("· ", style="dim")
            text.append(check.text, style="" if check.passed is not None else "dim")
            if check.values and check.passed is not None:
                # the numbers only: the check's text already says what they measure
                values = ", ".join(_fmt(v) for v in check.values.values())
                text.append(f"  (= {values})", style="dim")
        return text
