"""Update a text widget without a whole-screen layout when its height stays the same.

`Static.update()` lays out the whole screen by default (a new text may need more
rows). While a run trains the claim, the status line and the legends get new
text every tick, and a layout per tick is most of what made keys answer late on
a small machine. Measured the way Textual measures a widget for `height: auto`.
"""

from __future__ import annotations

from rich.text import Text
from textual.visual import visualize
from textual.widgets import Static


def rows_of(widget: Static, content: Text) -> int:
    """Rows `content` takes in `widget` at its current width (-1 before the first layout)."""
    width = widget.content_size.width
    if width <= 0:
        return -1
    # the styles Textual itself passes here when it measures the widget
    return visualize(widget, content).get_height(widget.styles, width)  # type: ignore[arg-type]


def update_rows(widget: Static, content: Text, rows_before: int) -> int:
    """Show `content`; lay out the screen only if the rows changed. Returns the rows now."""
    rows = rows_of(widget, content)
    widget.update(content, layout=rows < 0 or rows != rows_before)
    return rows
