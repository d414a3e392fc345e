"""The lesson format as frozen dataclasses (loaded from TOML by `loader.py`).

A course is `lessons/lessons.toml` (chapters and lessons in course order, like
rustlings' info.toml) plus one folder per lesson:

    lessons/07_vanishing_gradients/
        lesson.toml     knobs, arms, charts, claim, budget (this file's schema)
        en.md  zh.md    the text; `## Questions`, `## Hints`, `## Further reading`
        experiment.py   def run(cfg) -> Iterator[dict[str, float]]: one dict per step
        bughunt.py      optional: a broken script the learner fixes
        solution.py     optional: the bug hunt's reference fix, shown after passing
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dllab.errors import LessonError, UnknownLessonError

if TYPE_CHECKING:
    from dllab.curriculum.predictions import Prediction, SweepSpec


class KnobType(str, Enum):
    """The types a knob can have."""

    FLOAT = "float"
    INT = "int"
    CHOICE = "choice"
    BOOL = "bool"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
"""How a bool knob may be written on the command line."""

Text = dict[str, str]
"""A string in several languages: {"en": ..., "zh": ...}."""


def pick(text: Text, lang: str) -> str:
    """The text in `lang`, falling back to English."""
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")


@dataclass(frozen=True)
class Knob:
    """One setting the learner can turn."""

    name: str
    type: KnobType
    default: Any
    help: Text
    min: float | None = None
    """Lowest allowed value (float and int knobs)."""
    max: float | None = None
    """Highest allowed value (float and int knobs)."""
    choices: tuple[str, ...] = ()
    """Allowed values (choice knobs)."""
    log: bool = False
    """Float knob best turned on a log scale (learning rates)."""
    label: Text = field(default_factory=dict)

    def describe(self) -> str:
        """The allowed values in words, for messages and the knobs panel."""
        if self.type is KnobType.CHOICE:
            return "one of " + ", ".join(self.choices)
        if self.type is KnobType.BOOL:
            return "true or false"
        return f"{self.type.value} in [{self.min:g}, {self.max:g}]"

    def coerce(self, value: Any) -> Any:
        """Convert a value (TOML or command-line text) to this knob's type and check its range.

        Raises:
            ValueError: with a message that says what is allowed.
        """
        if self.type is KnobType.BOOL:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE | _FALSE:
                return text in _TRUE
            raise ValueError(f"knob {self.name!r} is true or false, not {value!r}")
        if self.type is KnobType.CHOICE:
            text = str(value).strip()
            if text not in self.choices:
                raise ValueError(
                    f"knob {self.name!r} is one of {', '.join(self.choices)}; got {text!r}"
                )
            return text
        is_int = self.type is KnobType.INT
        try:
            number: float | int = (
                int(str(value), 0) if is_int and not isinstance(value, float) else float(value)
            )
        except (TypeError, ValueError):
            raise ValueError(
                f"knob {self.name!r} takes a {self.type.value}, not {value!r}"
            ) from None
        if is_int and isinstance(number, float):
            if not number.is_integer():
                raise ValueError(f"knob {self.name!r} takes an int, not {value!r}")
            number = int(number)
        assert self.min is not None and self.max is not None
        if not self.min <= number <= self.max:
            raise ValueError(
                f"knob {self.name!r} = {number:g} is out of range [{self.min:g}, {self.max:g}]"
            )
        return number


@dataclass(frozen=True)
class Arm:
    """One side of the side-by-side comparison: a name and the knobs it fixes."""

    name: str
    label: Text
    settings: dict[str, Any]
    color: str | None = None


class ChartKind(str, Enum):
    """How a chart draws its metrics."""

    LINE = "line"
    """Metrics against step, one curve per arm and metric."""
    BARS = "bars"
    """Per-layer bars: every metric `prefix<layer>`, at the first or last step."""
    XY = "xy"
    """A trajectory: metric `x` against metric `y` (2D optimisation)."""
    HEAT = "heat"
    """A heat strip: `prefix<i>` values at the last step (attention weights)."""
    TEXT = "text"
    """Text per arm: the `prefix<i>` values at the last step are character codes (a generated sample)."""


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a lesson."""

    id: str
    title: Text
    kind: ChartKind
    metrics: tuple[str, ...] = ()
    """Line charts: the metrics drawn."""
    prefix: str = ""
    """Bars, heat and text charts: the metric-name prefix of the per-layer (per-character) series."""
    x: str = ""
    """XY charts: the metric on the x axis."""
    y: str = ""
    """XY charts: the metric on the y axis."""
    at: str = "last"
    """Bars: 'first' or 'last' value of each series."""
    log_y: bool = False
    smooth: bool = False
    """Line charts: add an EMA-smoothed copy of each curve."""
    ylabel: Text = field(default_factory=dict)
    marks: tuple[tuple[float, float], ...] = ()
    """XY charts: fixed points to mark (e.g. the four minima)."""
    hline: float | None = None
    """A reference line (e.g. the ln 10 loss of uniform guessing)."""
    mark_min: str = ""
    """Line charts: a vertical line per arm at the step where this metric is lowest (the best epoch)."""


@dataclass(frozen=True)
class ClaimSpec:
    """One check of the lesson's claim."""

    text: Text
    expr: str
    when: str = "any"
    """'any', 'cpu' or 'cuda': on which devices the check applies."""


@dataclass(frozen=True)
class BugHunt:
    """A broken training script the learner fixes in place."""

    file: str
    solution: str
    absent: tuple[str, ...] = ()
    """diagnose check ids that must not be reported once fixed."""
    expect: str = ""
    """A claim check on the script's own metrics (see `dllab.hunts`)."""
    text: Text = field(default_factory=dict)


@dataclass(frozen=True)
class LessonText:
    """The parsed Markdown of one language."""

    title: str
    body: str
    """Everything before the Questions section (the idea, why, what to watch, what to try)."""
    questions: tuple[tuple[str, str], ...]
    """(question, answer) pairs; answers are shown on request."""
    hints: tuple[str, ...]
    """Tiered hints, the gentlest first."""
    reading: str
    """The Further reading section."""


@dataclass(frozen=True)
class Lesson:
    """Everything about one lesson, validated."""

    id: str
    dir: Path
    chapter: str
    title: Text
    summary: Text
    steps: int
    seed: int
    budget_s: float
    """The default run must finish within this many seconds on a 2-core CPU."""
    device: str
    """'any', 'cuda-preferred' (a CPU version exists) or 'cuda' (needs a GPU)."""
    knobs: dict[str, Knob]
    arms: dict[str, Arm]
    charts: tuple[ChartSpec, ...]
    claims: tuple[ClaimSpec, ...]
    report: tuple[str, ...]
    """Metrics printed on each plain progress line."""
    report_every: int
    diverge_on: tuple[str, ...]
    """Metrics whose NaN/inf ends the arm as diverged."""
    texts: dict[str, LessonText]
    bughunt: BugHunt | None = None
    experiment: str = "experiment.py"
    predictions: tuple[Prediction, ...] = ()
    """Numbers the learner guesses before the run (see `predictions.py`)."""
    sweeps: tuple[SweepSpec, ...] = ()
    """Knob sweeps the lesson offers (see `predictions.py`)."""

    @property
    def experiment_path(self) -> Path:
        """The experiment's Python file."""
        return self.dir / self.experiment

    @property
    def folder_number(self) -> int | None:
        """The number its folder starts with (`27_attention` is 27), None without one."""
        return folder_number(self.dir)

    def text(self, lang: str) -> LessonText:
        """The lesson text in `lang` (English if missing)."""
        return self.texts.get(lang) or self.texts["en"]


def folder_number(folder: Path) -> int | None:
    """The number a lesson folder's name starts with (`07_vanishing_gradients`: 7), or None."""
    match = re.match(r"(\d+)_", folder.name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Chapter:
    """A group of lessons."""

    id: str
    title: Text


@dataclass(frozen=True)
class BrokenLesson:
    """A lesson listed in the manifest that failed to load: listed, never run."""

    id: str
    chapter: str
    """The chapter the manifest names ('' when it names none)."""
    dir: Path
    error: LessonError
    """The problem; `error.path` and `error.field` say where."""

    @property
    def message(self) -> str:
        """'file [field]: what is wrong', one line."""
        return str(self.error)


@dataclass(frozen=True)
class Course:
    """The whole course in order."""

    root: Path
    welcome: Text
    chapters: tuple[Chapter, ...]
    lessons: tuple[Lesson, ...]
    """The lessons that loaded, in course order."""
    broken: tuple[BrokenLesson, ...] = ()
    """Lessons of the manifest that failed to load, in manifest order."""

    def number(self, lesson: Lesson) -> int:
        """The lesson's number, the same in the lab, `dllab lessons` and the README.

        It is its folder's number (`27_attention` is lesson 27, also while lesson 26
        is missing or broken); a folder without one counts by its place in the course.
        """
        number = lesson.folder_number
        return number if number is not None else self.lessons.index(lesson) + 1

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson with this id (or a unique prefix / number).

        Raises:
            LessonError: the lesson is one of the broken ones (names file and field).
            UnknownLessonError: no lesson matches.
        """
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        for entry in self.broken:
            if entry.id == lesson_id:
                raise LessonError(
                    entry.error.path,
                    f"lesson {entry.id!r} is broken: {entry.error.detail}",
                    entry.error.field,
                )
        if lesson_id.isdigit():
            for lesson in self.lessons:
                if self.number(lesson) == int(lesson_id):
                    return lesson
        matches = [le for le in self.lessons if le.id.startswith(lesson_id)]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(le.id for le in self.lessons)
        raise UnknownLessonError(f"no lesson {lesson_id!r}; the course has: {known}")
