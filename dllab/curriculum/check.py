"""`dllab lessons check`: validate the whole course and list every problem.

Like rustlings' `dev check`: the manifest parses, ids are unique slugs, each
folder has its lesson.toml, both texts with their sections, an experiment that
imports and defines `run(cfg)`, claims that parse and name real arms, and no
stray files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.cells import cell_len

from dllab.curriculum.experiment import load_experiment
from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Lesson
from dllab.errors import LessonError

ALLOWED_SUFFIXES = {".toml", ".md", ".py"}

TITLE_WIDTH = 48
"""Cells a chart title gets in the lab at 80x24 (the chart column; tests/tui measure it)."""

TITLE_LINES = 2
"""Lines a chart title may wrap onto there before it is cut."""
IGNORED = {"__pycache__", ".DS_Store"}


def check_course(root: Path, import_experiments: bool = True) -> tuple[list[str], list[str]]:
    """Return (ids of lessons that are fine, problems as 'file [field]: message').

    Each problem is listed once: the loader already turned every lesson that
    fails to load into a broken entry; this adds what loading does not do
    (importing the experiments, stray files, folders the manifest forgot).
    """
    try:
        course = load_course(root)
    except LessonError as exc:  # the manifest itself: nothing else can be checked
        return [], [str(exc)]
    problems = [entry.message for entry in course.broken]
    good: list[str] = []
    for lesson in course.lessons:
        try:
            _check_folder(lesson, import_experiments)
            _check_titles(lesson)
            good.append(lesson.id)
        except LessonError as exc:
            problems.append(str(exc))
    problems += _numbering(course.lessons)
    listed = {le.dir.name for le in course.lessons} | {b.dir.name for b in course.broken}
    for path in sorted(root.iterdir()):
        if path.is_dir() and path.name not in IGNORED and path.name not in listed:
            problems.append(f"{path}: lesson folder is not listed in lessons.toml")
    return good, problems


def _numbering(lessons: Sequence[Lesson]) -> list[str]:
    """A lesson's number is its folder's: the numbers must rise in course order."""
    problems = []
    previous: Lesson | None = None
    for lesson in lessons:
        number = lesson.folder_number
        if number is None:
            continue
        if previous is not None and number <= (previous.folder_number or 0):
            problems.append(
                f"{lesson.dir}: folder number {number} does not come after "
                f"{previous.dir.name} (lessons are numbered by folder, in course order)"
            )
        previous = lesson
    return problems


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` wrapped as a terminal shows it: at spaces, a longer word (or CJK run) folded."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:  # fold what does not fit on a line of its own
            if cell_len(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    return [*lines, line] if line else lines


def _check_titles(lesson: Lesson) -> None:
    """Every chart title reads whole in the lab at 80x24 (at most `TITLE_LINES` lines)."""
    for i, chart in enumerate(lesson.charts):
        for lang, title in chart.title.items():
            lines = wrap_cells(title, TITLE_WIDTH)
            if len(lines) > TITLE_LINES:
                raise LessonError(
                    lesson.dir / "lesson.toml",
                    f"chart title takes {len(lines)} lines of {TITLE_WIDTH} cells at 80x24 "
                    f"(at most {TITLE_LINES}): shorten it ({cell_len(title)} cells)",
                    f"charts[{i}].title.{lang}",
                )


def _check_folder(lesson: Lesson, import_experiments: bool) -> None:
    if import_experiments:
        load_experiment(lesson)
    for path in sorted(lesson.dir.iterdir()):
        if path.name in IGNORED:
            continue
        if path.is_dir() or path.suffix not in ALLOWED_SUFFIXES:
            raise LessonError(path, "unexpected file in a lesson folder (allowed: .toml, .md, .py)")
