"""Load `lessons/lessons.toml` and each lesson folder into validated dataclasses.

Every problem is a `LessonError` naming the file and the field, so a typo in
a lesson reads "lessons/07_x/lesson.toml [knobs.depth.type]: unknown knob type
'integer' (use float, int, choice or bool)" rather than a KeyError. A problem in
the manifest itself raises; a problem in one lesson makes that lesson a
`BrokenLesson` entry of the course, so the others still open and run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from dllab.curriculum.claims import Check, ClaimSyntaxError
from dllab.curriculum.model import (
    Arm,
    BrokenLesson,
    BugHunt,
    Chapter,
    ChartKind,
    ChartSpec,
    ClaimSpec,
    Course,
    Knob,
    KnobType,
    Lesson,
    Text,
)
from dllab.curriculum.text import parse_lesson_text
from dllab.errors import LessonError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FORMAT_VERSION = 1
LANGUAGES = ("en", "zh")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file, line and column."""
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except FileNotFoundError:
        raise LessonError(path, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(path, f"invalid TOML: {exc}") from None


class _Fields:
    """Typed access to a TOML table that reports the file and dotted field on error."""

    def __init__(self, path: Path, table: dict[str, Any], prefix: str = "") -> None:
        self.path, self.table, self.prefix = path, table, prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def get(
        self,
        key: str,
        kind: type | tuple[type, ...],
        default: Any = ...,
    ) -> Any:
        if key not in self.table:
            if default is ...:
                raise LessonError(self.path, "required field is missing", self._name(key))
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise LessonError(
                self.path,
                f"expected {names}, got {type(value).__name__} {value!r}",
                self._name(key),
            )
        return value

    def text(self, key: str, default: Any = ...) -> Text:
        """A string, or a table of strings per language (English required)."""
        if key not in self.table and default is not ...:
            return dict(default)
        value = self.get(key, (str, dict))
        if isinstance(value, str):
            return {"en": value}
        if (
            not isinstance(value, dict)
            or "en" not in value
            or not all(isinstance(v, str) for v in value.values())
        ):
            raise LessonError(
                self.path, "needs an 'en' string (and optionally 'zh')", self._name(key)
            )
        return dict(value)

    def sub(self, key: str) -> _Fields:
        return _Fields(self.path, self.get(key, dict), self._name(key) + ".")


def load_course(root: Path | None = None) -> Course:
    """Load and validate the whole course (texts parsed; experiments not imported)."""
    from dllab.paths import lessons_dir

    root = root or lessons_dir()
    manifest_path = root / "lessons.toml"
    manifest = _Fields(manifest_path, read_toml(manifest_path))
    version = manifest.get("format_version", int)
    if version != FORMAT_VERSION:
        raise LessonError(
            manifest_path,
            f"format_version {version} is not supported (expected {FORMAT_VERSION})",
            "format_version",
        )
    chapters = []
    for i, raw in enumerate(manifest.get("chapters", list)):
        f = _Fields(manifest_path, raw, f"chapters[{i}].")
        chapters.append(Chapter(f.get("id", str), f.text("title")))
    chapter_ids = {c.id for c in chapters}
    lessons: list[Lesson] = []
    broken: list[BrokenLesson] = []
    seen: set[str] = set()
    for i, raw in enumerate(manifest.get("lessons", list)):
        if not isinstance(raw, dict):
            raise LessonError(manifest_path, "a lesson entry is a table", f"lessons[{i}]")
        f = _Fields(manifest_path, raw, f"lessons[{i}].")
        lesson_id = f.get("id", str)
        folder = root / str(raw.get("dir", ""))
        chapter = str(raw.get("chapter", ""))
        try:
            if lesson_id in seen:
                raise LessonError(
                    manifest_path, f"duplicate lesson id {lesson_id!r}", f"lessons[{i}].id"
                )
            seen.add(lesson_id)
            lessons.append(_entry(root, f, i, lesson_id, chapter_ids))
        except LessonError as exc:
            # One broken lesson must not take the course down: keep it as an entry
            # that says what is wrong, and let every other lesson open and run.
            broken.append(BrokenLesson(lesson_id, chapter, folder, exc))
    return Course(
        root,
        manifest.text("welcome_message", {"en": ""}),
        tuple(chapters),
        tuple(lessons),
        tuple(broken),
    )


def _entry(root: Path, f: _Fields, i: int, lesson_id: str, chapter_ids: set[str]) -> Lesson:
    """One `[[lessons]]` entry of the manifest and its folder."""
    if not _SLUG.match(lesson_id):
        raise LessonError(
            f.path,
            f"lesson id {lesson_id!r} must be lower-case words joined by '-'",
            f"lessons[{i}].id",
        )
    chapter = f.get("chapter", str)
    if chapter not in chapter_ids:
        raise LessonError(f.path, f"unknown chapter {chapter!r}", f"lessons[{i}].chapter")
    return load_lesson(root / f.get("dir", str), lesson_id, chapter)


def load_lesson(folder: Path, lesson_id: str, chapter: str) -> Lesson:
    """Load one lesson folder."""
    path = folder / "lesson.toml"
    if not folder.is_dir():
        raise LessonError(folder, "lesson folder does not exist", "dir")
    f = _Fields(path, read_toml(path))
    knobs = _knobs(path, f.get("knobs", dict, {}))
    arms = _arms(path, f.get("arms", dict, {}), knobs)
    steps = f.get("steps", int)
    if steps < 1:
        raise LessonError(path, "must be at least 1", "steps")
    device = f.get("device", str, "any")
    if device not in ("any", "cuda-preferred", "cuda"):
        raise LessonError(
            path, f"unknown device {device!r} (use any, cuda-preferred or cuda)", "device"
        )
    charts = tuple(_chart(path, raw, i) for i, raw in enumerate(f.get("charts", list, [])))
    claims = tuple(_claim(path, raw, i, arms) for i, raw in enumerate(f.get("claims", list, [])))
    if not claims:
        raise LessonError(path, "a lesson needs at least one [[claims]] check", "claims")
    experiment = f.get("experiment", str, "experiment.py")
    if not (folder / experiment).is_file():
        raise LessonError(folder / experiment, "experiment file is missing", "experiment")
    texts = {lang: parse_lesson_text(folder / f"{lang}.md") for lang in LANGUAGES}
    bughunt = _bughunt(path, folder, f.get("bughunt", dict, None))
    # Imported here: predictions.py reads tables through this module's _Fields.
    from dllab.curriculum.predictions import parse_predictions, parse_sweeps

    return Lesson(
        id=lesson_id,
        dir=folder,
        chapter=chapter,
        title=f.text("title"),
        summary=f.text("summary", {"en": ""}),
        steps=steps,
        seed=f.get("seed", int, 0),
        budget_s=f.get("budget_s", float),
        device=device,
        knobs=knobs,
        arms=arms,
        charts=charts,
        claims=claims,
        report=tuple(f.get("report", list, ["loss"])),
        report_every=f.get("report_every", int, max(1, steps // 10)),
        diverge_on=tuple(f.get("diverge_on", list, ["loss"])),
        texts=texts,
        bughunt=bughunt,
        experiment=experiment,
        predictions=parse_predictions(f, arms, charts),
        sweeps=parse_sweeps(f, knobs, arms),
    )


def _knobs(path: Path, table: dict[str, Any]) -> dict[str, Knob]:
    knobs: dict[str, Knob] = {}
    for name, raw in table.items():
        prefix = f"knobs.{name}."
        if not _IDENT.match(name):
            raise LessonError(path, "knob names must be Python identifiers", f"knobs.{name}")
        if not isinstance(raw, dict):
            raise LessonError(path, "a knob is a table", f"knobs.{name}")
        f = _Fields(path, raw, prefix)
        type_name = f.get("type", str)
        try:
            kind = KnobType(type_name)
        except ValueError:
            raise LessonError(
                path,
                f"unknown knob type {type_name!r} (use float, int, choice or bool)",
                prefix + "type",
            ) from None
        help_text = f.text("help")
        if kind is KnobType.CHOICE:
            choices = tuple(str(c) for c in f.get("choices", list))
            if len(choices) < 2:
                raise LessonError(
                    path, "a choice knob needs at least two choices", prefix + "choices"
                )
            default = f.get("default", str)
            if default not in choices:
                raise LessonError(
                    path, f"default {default!r} is not one of {list(choices)}", prefix + "default"
                )
            knobs[name] = Knob(
                name, kind, default, help_text, choices=choices, label=f.text("label", {})
            )
        elif kind is KnobType.BOOL:
            knobs[name] = Knob(
                name, kind, f.get("default", bool), help_text, label=f.text("label", {})
            )
        else:
            py = float if kind is KnobType.FLOAT else int
            lo, hi, default = f.get("min", py), f.get("max", py), f.get("default", py)
            if not lo <= default <= hi:
                raise LessonError(
                    path, f"default {default} is outside [{lo}, {hi}]", prefix + "default"
                )
            log = f.get("log", bool, False)
            if log and lo <= 0:
                raise LessonError(path, "a log-scale knob needs min > 0", prefix + "min")
            knobs[name] = Knob(
                name,
                kind,
                default,
                help_text,
                float(lo),
                float(hi),
                log=log,
                label=f.text("label", {}),
            )
    return knobs


def _arms(path: Path, table: dict[str, Any], knobs: dict[str, Knob]) -> dict[str, Arm]:
    if not table:
        raise LessonError(path, "a lesson needs at least one [arms.NAME] table", "arms")
    arms: dict[str, Arm] = {}
    for name, raw in table.items():
        if not _IDENT.match(name):
            raise LessonError(
                path, "arm names must be Python identifiers (claims refer to them)", f"arms.{name}"
            )
        f = _Fields(path, raw, f"arms.{name}.")
        settings = dict(f.get("set", dict, {}))
        for knob_name, value in settings.items():
            if knob_name not in knobs:
                raise LessonError(
                    path, f"sets unknown knob {knob_name!r}", f"arms.{name}.set.{knob_name}"
                )
            try:
                settings[knob_name] = knobs[knob_name].coerce(value)
            except ValueError as exc:
                raise LessonError(path, str(exc), f"arms.{name}.set.{knob_name}") from None
        arms[name] = Arm(name, f.text("label", {"en": name}), settings, f.get("color", str, None))
    return arms


def _chart(path: Path, raw: Any, i: int) -> ChartSpec:
    prefix = f"charts[{i}]."
    if not isinstance(raw, dict):
        raise LessonError(path, "a chart is a table", f"charts[{i}]")
    f = _Fields(path, raw, prefix)
    kind_name = f.get("kind", str, "line")
    try:
        kind = ChartKind(kind_name)
    except ValueError:
        raise LessonError(
            path,
            f"unknown chart kind {kind_name!r} (use line, bars, xy, heat or text)",
            prefix + "kind",
        ) from None
    spec = ChartSpec(
        id=f.get("id", str, f"chart{i}"),
        title=f.text("title"),
        kind=kind,
        metrics=tuple(f.get("metrics", list, [])),
        prefix=f.get("prefix", str, ""),
        x=f.get("x", str, ""),
        y=f.get("y", str, ""),
        at=f.get("at", str, "last"),
        log_y=f.get("log_y", bool, False),
        smooth=f.get("smooth", bool, False),
        ylabel=f.text("ylabel", {}),
        marks=tuple((float(a), float(b)) for a, b in f.get("marks", list, [])),
        hline=f.get("hline", float, None),
        mark_min=f.get("mark_min", str, ""),
    )
    needs = {
        ChartKind.LINE: spec.metrics,
        ChartKind.BARS: spec.prefix,
        ChartKind.HEAT: spec.prefix,
        ChartKind.TEXT: spec.prefix,
        ChartKind.XY: spec.x and spec.y,
    }
    if not needs[kind]:
        field = {
            ChartKind.LINE: "metrics",
            ChartKind.BARS: "prefix",
            ChartKind.HEAT: "prefix",
            ChartKind.TEXT: "prefix",
            ChartKind.XY: "x",
        }[kind]
        raise LessonError(path, f"a {kind.value} chart needs '{field}'", prefix + field)
    if spec.at not in ("first", "last"):
        raise LessonError(path, "use 'first' or 'last'", prefix + "at")
    return spec


def _claim(path: Path, raw: Any, i: int, arms: dict[str, Arm]) -> ClaimSpec:
    f = _Fields(path, raw, f"claims[{i}].")
    spec = ClaimSpec(f.text("text"), f.get("expr", str), f.get("when", str, "any"))
    if spec.when not in ("any", "cpu", "cuda"):
        raise LessonError(path, "use any, cpu or cuda", f"claims[{i}].when")
    try:
        Check(spec.expr, arms=arms)
    except ClaimSyntaxError as exc:
        raise LessonError(path, str(exc), f"claims[{i}].expr") from None
    return spec


def _bughunt(path: Path, folder: Path, raw: dict[str, Any] | None) -> BugHunt | None:
    if raw is None:
        return None
    f = _Fields(path, raw, "bughunt.")
    hunt = BugHunt(
        file=f.get("file", str),
        solution=f.get("solution", str),
        absent=tuple(f.get("absent", list, [])),
        expect=f.get("expect", str, ""),
        text=f.text("text", {}),
    )
    for field in ("file", "solution"):
        if not (folder / getattr(hunt, field)).is_file():
            raise LessonError(
                path,
                f"{getattr(hunt, field)} does not exist in the lesson folder",
                f"bughunt.{field}",
            )
    return hunt
