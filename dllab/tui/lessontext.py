"""The lesson text as one Markdown document: body, questions, opted-in hints, reading."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown
from rich.measure import Measurement
from rich.segment import Segment
from textual.widgets import Static

from dllab.curriculum.model import Lesson
from dllab.tui.i18n import tr


class RenderedMarkdown:
    """A Rich `Markdown` rendered once per width, then replayed.

    Rich parses and lays out a Markdown document on every measure and every
    paint; Textual measures and paints the text again whenever it is shown (the
    language key flips which text shows). Replaying the lines costs next to
    nothing; only a new width renders again.
    """

    KEEP = 4
    """Widths kept (a resize back and forth stays cheap)."""

    def __init__(self, source: str) -> None:
        self.markdown = Markdown(source, justify="left")
        self._lines: dict[int, list[list[Segment]]] = {}

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        """The rendered lines at `options`' width (rendered now if not yet), all of them."""
        width = options.max_width
        lines = self._lines.get(width)
        if lines is None:
            lines = console.render_lines(self.markdown, options.update(height=None), pad=False)
            if len(self._lines) >= self.KEEP:
                self._lines.pop(next(iter(self._lines)))
            self._lines[width] = lines
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Textual measures with no height, then paints with the height it measured
        lines = self.lines(console, options)
        if options.height is not None:
            lines = lines[: options.height] + [[]] * (options.height - len(lines))
        new_line = Segment.line()
        for line in lines:
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)  # it fills the width it is given


class LessonText(Static):
    """Markdown drawn by Rich in one widget.

    Textual's `Markdown` widget mounts a widget per block, so showing or
    re-flowing a long lesson costs a full layout (~150 ms on a busy 2-core box);
    one Rich renderable costs a few milliseconds, and a `RenderedMarkdown`
    replayed at the same width less.
    """

    def __init__(self, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source = ""
        self.rendered = RenderedMarkdown("")

    def set_source(self, source: str) -> None:
        """Show new Markdown text."""
        self.source = source
        self.rendered = RenderedMarkdown(source)
        self.update(self.rendered)

    def prerender(self, width: int) -> None:
        """Render the text at `width` now (a hidden text, so that showing it is instant)."""
        if width > 0:
            console = self.app.console
            self.rendered.lines(console, console.options.update(width=width, height=None))


def lesson_markdown(lesson: Lesson, lang: str, hints_shown: int = 0, answers: bool = False) -> str:
    """Markdown for the text panel; answers and hints appear only when asked for."""
    text = lesson.text(lang)
    parts = [f"# {text.title}", text.body, f"## {tr('questions', lang)}"]
    for question, answer in text.questions:
        parts.append(f"### {question}")
        if answers:
            parts.append(answer)
    if not answers:
        parts.append(f"*{tr('answers_hidden', lang)}*")
    if hints_shown:
        parts.append(f"## {tr('hints', lang)}")
        parts.extend(
            f"{i + 1}. {hint}"
            for i, hint in enumerate(text.hints[: min(hints_shown, len(text.hints))])
        )
    parts.append(f"## {tr('reading', lang)}")
    parts.append(text.reading)
    return "\n\n".join(parts)
