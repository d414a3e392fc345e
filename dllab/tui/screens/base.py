"""`LabScreen`: the one base class of the lab's full screens."""

from __future__ import annotations

from typing import cast

from textual.screen import Screen
from textual.widgets import Header, Static

from dllab.tui.lab import Lab


class LabScreen(Screen[None]):
    """A screen of the lab: it reaches the app through the `Lab` protocol."""

    _title_found: tuple[Header, Static] | None = None
    """The header and its title row, once found (`retitle`)."""

    @property
    def lab(self) -> Lab:
        """The app, as the screens see it.

        Every `LabScreen` is pushed by `LabApp`, which mypy checks is a `Lab`.
        """
        return cast("Lab", self.app)

    @property
    def lang(self) -> str:
        """The current language."""
        return self.lab.lang

    def refresh_texts(self) -> None:
        """(Re)write the screen's words in the current language (the footer's too)."""
        self.refresh_bindings()

    def retitle(self, title: str) -> None:
        """Show `title` beside "dllab" in the header, without repainting the whole screen.

        `Screen.sub_title` is a reactive that repaints every widget's region (at
        80x24 a 12 ms frame and 15 KB over SSH, on every language switch); the
        header's title alone is one row. If the header is not built as expected
        (another Textual), or not mounted yet, the reactive is set the usual way.
        """
        if self.sub_title == title:
            return
        found = self._title_row()
        if not self.is_mounted or found is None:
            self.sub_title = title
            return
        header, row = found
        self.set_reactive(LabScreen.sub_title, title)
        row.update(header.format_title(), layout=False)

    def _title_row(self) -> tuple[Header, Static] | None:
        """The header and its title row, looked up once (a query walks the whole screen)."""
        if self._title_found is not None:
            return self._title_found
        headers = self.query(Header)
        rows = headers.first().query("HeaderTitle") if headers else None
        row = rows.first() if rows else None
        if not isinstance(row, Static):
            return None
        self._title_found = (headers.first(), row)
        return self._title_found
