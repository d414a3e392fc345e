"""`LabScreen`: the one base class of the lab's full screens."""

from __future__ import annotations

from typing import cast

from textual.screen import Screen

from dllab.tui.lab import Lab


class LabScreen(Screen[None]):
    """A screen of the lab: it reaches the app through the `Lab` protocol."""

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
