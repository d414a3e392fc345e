"""Run a lesson's real experiment in-process and return its end event (claim included)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from dllab.curriculum.loader import load_course
from dllab.engine import Run, RunEnded, apply_settings, default_config


def run_lesson(
    lesson_id: str, settings: Sequence[str] = (), steps: int | None = None, seed: int | None = None
) -> tuple[RunEnded, Run]:
    """Run a lesson on CPU with optional knob changes; fail the test if it does not complete."""
    lesson = load_course().lesson(lesson_id)
    config = apply_settings(lesson, default_config(lesson), settings)
    config.device = "cpu"
    if steps is not None:
        config.steps = steps
    if seed is not None:
        config.seed = seed
    run = Run(lesson, config).start()
    result = run.wait(timeout=max(120.0, 4 * lesson.budget_s))
    assert result is not None, f"{lesson_id} did not finish"
    assert result.status.value == "completed", result.message
    return result, run


def claim_values(result: RunEnded) -> dict[str, float]:
    """All values the claim was decided on, flattened (for readable assertion messages)."""
    values: dict[str, float] = {}
    for detail in (result.claim or {}).get("details", []):
        values.update(detail.get("values", {}))
    return values


@pytest.fixture
def lesson_runner():  # type: ignore[no-untyped-def]
    """The `run_lesson` helper as a fixture."""
    return run_lesson


def run_arms(
    lesson_id: str,
    arms: Sequence[str],
    settings: Sequence[str] = (),
    steps: int | None = None,
    seed: int | None = None,
) -> tuple[RunEnded, Run]:
    """Like `run_lesson`, but run only the named arms (a knob test that needs one or two);
    `seed`: another seed than the lesson's (a "Try this" number given for seeds 0 / 1)."""
    lesson = load_course().lesson(lesson_id)
    config = apply_settings(lesson, default_config(lesson), settings)
    config.device = "cpu"
    config.arms = list(arms)
    if steps is not None:
        config.steps = steps
    if seed is not None:
        config.seed = seed
    run = Run(lesson, config).start()
    result = run.wait(timeout=max(120.0, 4 * lesson.budget_s))
    assert result is not None, f"{lesson_id} did not finish"
    assert result.status.value == "completed", result.message
    return result, run


def prediction_between(run: Run, lesson_id: str, prediction_id: str, lo: float, hi: float) -> None:
    """Assert that a lesson's [[predictions]] answer, measured on `run`, lies in (lo, hi).

    The bounds come from the prediction's `explain` text: the number it tells the learner.
    """
    from dllab.curriculum.claims import Check

    lesson = load_course().lesson(lesson_id)
    expr = next(p.expr for p in lesson.predictions if p.id == prediction_id)
    verdict = Check(f"{lo} < ({expr}) < {hi}").evaluate(run.history)
    assert verdict.passed, (prediction_id, expr, verdict.values, verdict.error)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/lessons/ trains a real lesson or runs its scripts: all are `slow`.

    Done here, not per file, so a new lesson's test file joins the full suite, not the
    quick loop, without a marker to remember.
    """
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.slow)
