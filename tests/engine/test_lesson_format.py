"""Malformed lessons give one message naming the file and the field; `dllab lessons check` fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dllab.curriculum.check import check_course
from dllab.curriculum.experiment import load_experiment
from dllab.curriculum.loader import load_course
from dllab.errors import LessonError


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def add_second_lesson(root: Path) -> None:
    """Give a toy-course copy a second, healthy lesson 'other' (a copy of 'toy')."""
    shutil.copytree(root / "01_toy", root / "02_other")
    with (root / "lessons.toml").open("a") as fh:
        fh.write('\n[[lessons]]\nid = "other"\ndir = "02_other"\nchapter = "toy"\n')


def assert_broken_once(root: Path, message: str, import_experiments: bool = True) -> None:
    """The toy lesson loads as a broken entry with `message`, and `check` lists it once."""
    course = load_course(root)
    assert course.lessons == () and len(course.broken) == 1
    broken = course.broken[0]
    assert message in broken.message
    with pytest.raises(LessonError, match=f"lesson {broken.id!r} is broken") as info:
        course.lesson(broken.id)
    error = info.value
    assert (error.path, error.field) == (broken.error.path, broken.error.field)
    assert broken.error.detail in str(error) and "\n" not in str(error)
    _, problems = check_course(root, import_experiments=import_experiments)
    assert sum(message in p for p in problems) == 1, problems


CASES = [
    ("bad TOML", "01_toy/lesson.toml", "steps = 50", "steps = = 50", "lesson.toml: invalid TOML"),
    (
        "unknown knob type",
        "01_toy/lesson.toml",
        'type = "bool"',
        'type = "boolean"',
        "[knobs.noise.type]: unknown knob type 'boolean'",
    ),
    (
        "default out of range",
        "01_toy/lesson.toml",
        "default = 0.1\nmin = 0.0",
        "default = 99.0\nmin = 0.0",
        "[knobs.lr.default]: default 99.0 is outside",
    ),
    (
        "choice default not a choice",
        "01_toy/lesson.toml",
        'default = "a"',
        'default = "c"',
        "[knobs.mode.default]",
    ),
    (
        "arm sets unknown knob",
        "01_toy/lesson.toml",
        "set = { lr = 0.01 }",
        "set = { lrr = 0.01 }",
        "[arms.slow.set.lrr]: sets unknown knob",
    ),
    (
        "claim names unknown arm",
        "01_toy/lesson.toml",
        "last(fast.loss) <",
        "last(quick.loss) <",
        "[claims[0].expr]",
    ),
    (
        "claim uses code",
        "01_toy/lesson.toml",
        "last(fast.loss) < last(slow.loss)",
        "__import__('os')",
        "[claims[0].expr]",
    ),
    (
        "missing steps",
        "01_toy/lesson.toml",
        "steps = 50\n",
        "",
        "[steps]: required field is missing",
    ),
    (
        "unknown chart kind",
        "01_toy/lesson.toml",
        'kind = "line"',
        'kind = "pie"',
        "[charts[0].kind]: unknown chart kind 'pie'",
    ),
    ("bad device", "01_toy/lesson.toml", "seed = 0", 'seed = 0\ndevice = "tpu"', "[device]"),
    (
        "missing questions",
        "01_toy/en.md",
        "## Questions",
        "## Quests",
        "en.md [questions]: missing '## Questions' section",
    ),
    ("no hints", "01_toy/zh.md", "1. It is a toy.", "", "zh.md [hints]"),
    (
        "unknown chapter",
        "lessons.toml",
        'chapter = "toy"',
        'chapter = "nope"',
        "[lessons[0].chapter]: unknown chapter 'nope'",
    ),
    (
        "bad lesson id",
        "lessons.toml",
        'id = "toy"\ndir',
        'id = "Toy Lesson"\ndir',
        "[lessons[0].id]",
    ),
    (
        "missing folder",
        "lessons.toml",
        'dir = "01_toy"',
        'dir = "02_nothing"',
        "02_nothing [dir]: lesson folder does not exist",
    ),
]


@pytest.mark.parametrize(
    ("name", "file", "old", "new", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_lesson_names_file_and_field(
    course_copy: Path, name: str, file: str, old: str, new: str, message: str
) -> None:
    edit(course_copy / file, old, new)
    assert_broken_once(course_copy, message)


def test_missing_text_file(course_copy: Path) -> None:
    (course_copy / "01_toy" / "zh.md").unlink()
    assert_broken_once(course_copy, "zh.md [text]: lesson text is missing")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def run(cfg):\n    yield {\n", "fails to import (line 2): SyntaxError"),
        (
            "import torch\nraise ImportError('no module named foo')\n",
            "fails to import (line 2): ImportError",
        ),
        ("x = 1\n", "defines no run(cfg) generator function"),
    ],
)
def test_experiment_that_fails_to_import(course_copy: Path, source: str, message: str) -> None:
    (course_copy / "01_toy" / "experiment.py").write_text(source)
    lesson = load_course(course_copy).lesson("toy")
    with pytest.raises(LessonError) as info:
        load_experiment(lesson)
    assert "experiment.py [experiment]" in str(info.value) and message in str(info.value)
    _, problems = check_course(course_copy)
    assert any(message in p for p in problems)


def test_stray_file_and_unlisted_folder(course_copy: Path) -> None:
    (course_copy / "01_toy" / "notes.txt").write_text("x")
    (course_copy / "99_orphan").mkdir()
    good, problems = check_course(course_copy)
    assert good == []
    assert any("notes.txt: unexpected file" in p for p in problems)
    assert any("99_orphan: lesson folder is not listed" in p for p in problems)


def test_one_broken_lesson_leaves_the_others_usable(course_copy: Path) -> None:
    add_second_lesson(course_copy)
    edit(course_copy / "01_toy" / "lesson.toml", "steps = 50", "steps = = 50")
    course = load_course(course_copy)
    assert [le.id for le in course.lessons] == ["other"]
    assert course.lesson("other").dir.name == "02_other"
    assert course.lesson("2").id == "other", "it keeps its folder number when lesson 1 breaks"
    (broken,) = course.broken
    assert (broken.id, broken.chapter, broken.dir.name) == ("toy", "toy", "01_toy")
    assert broken.error.path.endswith("lesson.toml") and "invalid TOML" in broken.message
    good, problems = check_course(course_copy)
    assert good == ["other"] and len(problems) == 1, problems


def test_a_manifest_problem_still_stops_the_course(course_copy: Path) -> None:
    edit(course_copy / "lessons.toml", "format_version = 1", "format_version = 9")
    with pytest.raises(LessonError, match=r"lessons.toml \[format_version\]"):
        load_course(course_copy)
    assert check_course(course_copy)[1] == [
        f"{course_copy / 'lessons.toml'} [format_version]: format_version 9 is not supported "
        "(expected 1)"
    ]


def test_the_real_course_is_valid() -> None:
    from dllab.paths import lessons_dir

    good, problems = check_course(lessons_dir())
    assert problems == []
    assert "vanishing-gradients" in good
