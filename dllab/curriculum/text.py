"""Split a lesson's Markdown into body, questions, hints and further reading.

The convention (checked by `dllab lessons check`):

    # Title
    body ... (the idea, why it matters, what to watch, what to try)
    ## Questions
    ### A question?
    Its answer (shown only when asked for).
    ## Hints
    1. the gentlest hint
    2. a stronger one
    ## Further reading
    - links
"""

from __future__ import annotations

import re
from pathlib import Path

from dllab.curriculum.model import LessonText
from dllab.errors import LessonError

_SECTION = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)
_QUESTION = re.compile(r"^### +(.+?)\s*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+", re.MULTILINE)

QUESTIONS = ("questions", "问题", "思考题")
HINTS = ("hints", "提示")
READING = ("further reading", "延伸阅读", "拓展阅读")


def parse_lesson_text(path: Path) -> LessonText:
    """Parse one language file; raise LessonError naming the file and section."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError(path, "lesson text is missing", "text") from None
    lines = source.lstrip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise LessonError(path, "must start with a '# Title' line", "title")
    title = lines[0][2:].strip()
    rest = "\n".join(lines[1:])
    parts = _SECTION.split(rest)
    body = parts[0].strip()
    sections = {parts[i].strip().lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}

    def section(names: tuple[str, ...], field: str) -> str:
        for name in names:
            if name in sections:
                return sections[name]
        raise LessonError(path, f"missing '## {names[0].title()}' section", field)

    if not body:
        raise LessonError(path, "the lesson body before '## Questions' is empty", "body")
    q_parts = _QUESTION.split(section(QUESTIONS, "questions"))
    questions = tuple(
        (q_parts[i].strip(), q_parts[i + 1].strip()) for i in range(1, len(q_parts) - 1, 2)
    )
    if not questions or any(not answer for _, answer in questions):
        raise LessonError(
            path, "each question needs a '### question' heading followed by its answer", "questions"
        )
    hint_block = section(HINTS, "hints")
    hints = tuple(h.strip() for h in _LIST_ITEM.split(hint_block) if h.strip())
    if not hints:
        raise LessonError(path, "the Hints section needs a numbered list", "hints")
    reading = section(READING, "further reading")
    return LessonText(title, body, questions, hints, reading)
