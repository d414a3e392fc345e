"""The lesson text as one Markdown document: body, questions, opted-in hints, reading."""

from __future__ import annotations

from dllab.curriculum.model import Lesson
from dllab.tui.i18n import tr


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
