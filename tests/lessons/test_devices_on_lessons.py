"""Every lesson's predictions and sweeps work on the real course.

Planning is checked for every sweep (fast). The slow tests run each lesson's
default run and ask every prediction for its value, and run each sweep's two
end points: a metric name misspelt in a prediction or a sweep would otherwise
only show as a value that never comes.
"""

from __future__ import annotations

import math

import pytest

from dllab.curriculum.loader import load_course
from dllab.engine import default_config
from dllab.engine.sweep import SweepRunner, plan_sweep
from tests.lessons.conftest import run_lesson

COURSE = load_course()
WITH_PREDICTIONS = [le.id for le in COURSE.lessons if le.predictions]
SWEEPS = [(le.id, s.id) for le in COURSE.lessons for s in le.sweeps]


@pytest.mark.parametrize(("lesson_id", "sweep_id"), SWEEPS)
def test_every_sweep_plans(lesson_id: str, sweep_id: str) -> None:
    lesson = COURSE.lesson(lesson_id)
    plan = plan_sweep(lesson, default_config(lesson), sweep_id)
    assert plan.sweep_id == sweep_id and len(plan.xs) >= 2 and plan.curves


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", WITH_PREDICTIONS)
def test_every_prediction_is_answered_by_the_default_run(lesson_id: str) -> None:
    result, _ = run_lesson(lesson_id)
    rows = result.predictions or []
    assert [r["id"] for r in rows] == [p.id for p in COURSE.lesson(lesson_id).predictions]
    for row in rows:
        assert row["value"] is not None, f"{lesson_id}: prediction {row['id']} measured nothing"
        if row["scale"] == "log":
            assert row["value"] > 0, (
                f"{lesson_id}: {row['id']} is judged in decades but is {row['value']}"
            )


@pytest.mark.slow
@pytest.mark.parametrize(("lesson_id", "sweep_id"), SWEEPS)
def test_every_sweep_measures_its_end_points(lesson_id: str, sweep_id: str) -> None:
    lesson = COURSE.lesson(lesson_id)
    base = default_config(lesson)
    base.device = "cpu"
    plan = plan_sweep(lesson, base, sweep_id)
    plan.xs = [plan.xs[0], plan.xs[-1]]
    points = SweepRunner(plan).run()
    assert [p.status for p in points] == ["completed", "completed"]
    measured = [v for p in points for v in p.values.values() if v is not None]
    assert measured and all(math.isfinite(v) for v in measured), [p.values for p in points]
