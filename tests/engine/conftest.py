"""The toy course: a fast lesson whose knobs make it raise, go NaN, segfault or sleep."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Lesson
from dllab.engine import RunConfig, apply_settings, default_config

TOY = Path(__file__).parent / "toy_course"


@pytest.fixture
def toy_course(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DLLAB_LESSONS at the toy course."""
    monkeypatch.setenv("DLLAB_LESSONS", str(TOY))
    return TOY


@pytest.fixture
def course_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the toy course, for malformed-lesson tests."""
    dest = tmp_path / "course"
    shutil.copytree(TOY, dest, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("DLLAB_LESSONS", str(dest))
    return dest


def toy_lesson() -> Lesson:
    """The toy lesson."""
    return load_course(TOY).lesson("toy")


def toy_config(settings: Sequence[str] = (), steps: int | None = None) -> RunConfig:
    """The toy lesson's config with changes, on CPU."""
    lesson = toy_lesson()
    config = apply_settings(lesson, default_config(lesson), settings)
    config.device = "cpu"
    if steps is not None:
        config.steps = steps
    return config
