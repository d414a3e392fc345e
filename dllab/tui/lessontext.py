"""The lesson text as one Markdown document: body, questions, opted-in hints, reading."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.widgets import Static

from dllab.curriculum.model import Lesson
from dllab.tui.i18n import tr


class LessonText(Static):
    """Markdown drawn by Rich in one widget.

    Textual's `Markdown` widget mounts a widget per block, so showing or
    re-flowing a long lesson costs a full layout (~150 ms on a busy 2-core box);
    one Rich renderable costs a few milliseconds.
    """

    def __init__(self, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source = ""

    def set_source(self, source: str) -> None:
        """Show new Markdown text."""
        self.source = source
        self.update(Markdown(source, justify="left"))


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
