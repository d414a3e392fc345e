"""`KeyBar`: the lab's footer, the screen's keys in the current language.

Textual's `Footer` shows each binding's `description`, and bindings are frozen
per class, so a footer in two languages would have to rewrite Textual's private
per-node binding tables. This footer draws the same line itself from public
API only: `Screen.active_bindings` ("may be used to inspect current bindings"),
`Screen.bindings_updated_signal` (published by `refresh_bindings()`, and by
Textual on focus changes) and `App.get_key_display`. The words go through
`i18n.key_word`. It looks like `Footer` (same theme variables); a click on a
key presses it, as in `Footer`.

Unlike `Footer`, it never hides a key: when the keys do not fit in one line
(80 columns), it drops the padding, then takes a second line.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

from dllab.tui.i18n import key_word


def shadowed_screen_bindings(screen: Screen[object]) -> dict[str, Binding]:
    """The screen's shown bindings that the focused widget's hidden ones shadow, by key.

    Enter on the home screen's lesson list is the list's own (hidden) `select`, which
    opens the lesson as the screen's `enter Open` would: the footer and the help name
    the screen's binding, else the key a learner needs first is in neither.
    """
    declared = {b.key: b for b in Binding.make_bindings(type(screen).BINDINGS) if b.show}
    return {
        key: declared[key]
        for key, active in screen.active_bindings.items()
        if key in declared
        and active.node is not screen
        and active.node is not screen.app
        and not active.binding.show
    }


class KeyBar(Widget, can_focus=False):
    """One line at the bottom: `key word` for every shown binding of the screen."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spans: list[tuple[int, int, int, str]] = []
        """(line, first column, end column, key) of each key drawn, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self._refresh_keys()

    def on_resize(self) -> None:
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Repaint; ask for a layout only when the bar needs another number of lines.

        The signal fires on every focus change and language switch, and a layout
        pass of the whole screen costs far more than repainting one line.
        """
        lines = self._lines()
        self.refresh(layout=lines != self.size.height)

    def _lines(self) -> int:
        self.render()
        return max((line for line, *_ in self.spans), default=0) + 1

    def shown_keys(self) -> list[tuple[str, str, str, bool]]:
        """(key, key as shown, word, enabled) per shown action, in binding order.

        Like `Footer`, an action bound to several keys is shown once, by its first key.
        """
        lang = str(getattr(self.app, "lang", "en"))
        seen: set[str] = set()
        keys = []
        declared = shadowed_screen_bindings(self.screen)
        for active in self.screen.active_bindings.values():
            binding = declared.get(active.binding.key, active.binding)
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            word = key_word(binding.description, lang)
            keys.append((binding.key, self.app.get_key_display(binding), word, active.enabled))
        return keys

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("keybar--key")
        word_style = self.get_component_rich_style("keybar--description")
        keys = self.shown_keys()
        width = self.size.width or self.app.size.width
        items: list[tuple[Text, str]] = []
        padded = sum(len(shown) + len(word) + 3 for _, shown, word, _ in keys) <= width
        for key, shown, word, enabled in keys:
            if padded:  # like Footer: " key word "
                item = Text.assemble((f" {shown} ", key_style), (f"{word} ", word_style))
            else:  # compact: "key word" and one space between keys
                item = Text.assemble((shown, key_style), (f" {word} " if word else " ", word_style))
            if not enabled:
                item.stylize("dim")
            items.append((item, key))
        lines = [Text(no_wrap=True, overflow="crop")]
        self.spans = []
        for item, key in items:
            if lines[-1].cell_len and lines[-1].cell_len + item.cell_len > width:
                lines.append(Text(no_wrap=True, overflow="crop"))
            start = lines[-1].cell_len
            lines[-1].append_text(item)
            self.spans.append((len(lines) - 1, start, lines[-1].cell_len, key))
        return Text("\n").join(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line, or two when the keys do not fit in one."""
        return self._lines()

    def on_click(self, event: events.Click) -> None:
        for line, start, end, key in self.spans:
            if line == event.y and start <= event.x < end:
                self.app.simulate_key(key)
                return
