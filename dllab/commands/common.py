"""Helpers shared by the lesson commands: find a lesson, build its config."""

from __future__ import annotations

from collections.abc import Sequence

from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Lesson
from dllab.engine.config import RunConfig, apply_settings, default_config
from dllab.engine.device import check_device_spec
from dllab.errors import ConfigError


def find_lesson(lesson_id: str) -> Lesson:
    """Load the course and return one lesson (UnknownLessonError if absent)."""
    return load_course().lesson(lesson_id)


def build_config(
    lesson: Lesson,
    settings: Sequence[str],
    steps: int | None,
    seed: int | None,
    device: str,
    arms: Sequence[str] = (),
) -> RunConfig:
    """The lesson's default config with the user's changes, validated."""
    config = default_config(lesson)
    if arms:
        unknown = [a for a in arms if a not in lesson.arms]
        if unknown:
            raise ConfigError(
                f"lesson {lesson.id!r} has no arm {unknown[0]!r} (arms: {', '.join(lesson.arms)})"
            )
        config.arms = list(arms)  # first: a shared setting is checked against the arms that run
    config = apply_settings(lesson, config, settings)
    if steps is not None:
        if steps < 1:
            raise ConfigError(f"--steps must be at least 1, got {steps}")
        config.steps = steps
    if seed is not None:
        config.seed = seed
    config.device = check_device_spec(device)
    config.validate()
    return config
