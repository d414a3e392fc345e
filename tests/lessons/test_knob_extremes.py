"""Every knob of every lesson, at every allowed extreme, must run without the experiment failing.

A learner turns knobs freely in the lab: any float/int in [min, max], every choice, both bool
values, shared or per arm (`ARM.KNOB=VALUE`). A run may *diverge* (a NaN loss is a lesson), but
it must never end `failed` (an exception in the experiment) nor hang. Each case runs a few steps,
enough for the loop, the first and the last evaluation (lessons evaluate at step 0, every k
steps and at the last step) and any end-of-run probe; every arm reports numbers, and a loss is
finite unless the arm ended as diverged (other metrics may be undefined: 0/0 is NaN).

How much slower an extreme makes a step is measured, not asserted here:
`python benchmarks/knob_extremes.py` times each extreme against the defaults side by side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Knob, KnobType, Lesson
from dllab.engine import Run, RunEnded, Subscriber, apply_settings, default_config, loop
from dllab.engine.config import arm_values
from dllab.engine.events import MetricPoint

STEPS = 5
"""Steps per case: step 0 (set-up, probes, first evaluation), plain steps 1-3, the last (final
evaluation, end-of-run probes). Every lesson evaluates at step 0 and at its last step."""

COURSE = load_course()
"""One course load for the whole module (collection and every test share it)."""


def extreme_values(knob: Knob) -> list[Any]:
    """What a learner can reach at the edges: min and max, every choice, both bools."""
    if knob.type is KnobType.BOOL:
        return [False, True]
    if knob.type is KnobType.CHOICE:
        return list(knob.choices)
    assert knob.min is not None and knob.max is not None
    lo, hi = knob.min, knob.max
    if knob.type is KnobType.INT:
        lo, hi = int(lo), int(hi)
    return [lo, hi]


def fmt(value: Any) -> str:
    """A value as `--set` text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


LESSON_IDS = [lesson.id for lesson in COURSE.lessons]


def cases() -> Iterator[Any]:
    for lesson in COURSE.lessons:
        for name, knob in lesson.knobs.items():
            for value in extreme_values(knob):
                yield pytest.param(lesson.id, name, value, id=f"{lesson.id}-{name}={fmt(value)}")


class Values(Subscriber):
    """Every metric value each arm reported."""

    def __init__(self) -> None:
        self.values: dict[str, list[tuple[str, float]]] = {}

    def on_metrics(self, points: list[MetricPoint]) -> None:
        for p in points:
            self.values.setdefault(p.arm, []).append((p.name, p.value))


def run_short(lesson: Lesson, settings: Sequence[str], steps: int = STEPS) -> RunEnded:
    """Run every arm for a few steps on CPU; the end event (its metrics checked)."""
    config = apply_settings(lesson, default_config(lesson), settings)
    config.device = "cpu"
    config.steps = steps
    seen = Values()
    run = Run(lesson, config, subscribers=[seen], record=False).start()
    # a hang guard, not a speed limit (benchmarks/knob_extremes.py measures speed): wide
    # enough for a 2-core box shared by many jobs (kfold at load 7.5: 23 s for 5 steps)
    timeout = max(300.0, 10 * lesson.budget_s)
    result = run.wait(timeout=timeout)
    if result is None:
        run.stop()
        run.wait(timeout=30)
        pytest.fail(f"{lesson.id} {list(settings)}: no end after {timeout:.0f} s (hang?)")
    assert_numbers(lesson, settings, result, seen.values)
    return result


def assert_numbers(
    lesson: Lesson,
    settings: Sequence[str],
    result: RunEnded,
    reported: dict[str, list[tuple[str, float]]],
) -> None:
    """Every arm that ran reported numbers, and no loss went NaN without ending its arm."""
    assert_no_failure(lesson, settings, result)
    where = f"{lesson.id} {' '.join(settings)}"
    for arm in result.arms:
        values = reported.get(arm, [])
        assert any(math.isfinite(v) for _, v in values), f"{where}: {arm} reported no number"
        if result.arms[arm] == "diverged":
            continue  # a NaN loss is a lesson; it ended that arm
        # other metrics may be undefined (precision with no positive call: 0/0 is NaN)
        bad = sorted({n for n, v in values if "loss" in n and not math.isfinite(v)})
        assert not bad, f"{where}: {arm} has a non-finite {bad} and was not ended as diverged"


def assert_no_failure(lesson: Lesson, settings: Sequence[str], result: RunEnded) -> None:
    where = f"{lesson.id} {' '.join(settings)}"
    assert result.status.value == "completed", f"{where}: {result.status.value}: {result.message}"
    failed = {arm: s for arm, s in result.arms.items() if s not in ("completed", "diverged")}
    assert not failed, f"{where}: arms {failed}: {result.message}"
    assert set(result.arms) == set(lesson.arms), f"{where}: arms that ran: {result.arms}"


@pytest.mark.parametrize(("lesson_id", "knob", "value"), list(cases()))
def test_knob_extreme_runs(lesson_id: str, knob: str, value: Any) -> None:
    """The value set for every arm (overriding what an arm fixes) runs: completed or diverged."""
    lesson = COURSE.lesson(lesson_id)
    settings = [f"{knob}={fmt(value)}"] + [f"{arm}.{knob}={fmt(value)}" for arm in lesson.arms]
    result = run_short(lesson, settings)
    assert_no_failure(lesson, settings, result)


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_a_one_step_run_does_not_fail(lesson_id: str) -> None:
    """The lab's steps field goes down to 1: step 0 is then also the last step (both evaluations
    and the end-of-run probes in one step), and the claim is judged on one point per arm."""
    lesson = COURSE.lesson(lesson_id)
    result = run_short(lesson, [], steps=1)
    assert_no_failure(lesson, [], result)


def per_arm_overrides(lesson: Lesson) -> dict[str, tuple[str, Any]]:
    """One knob per arm with a value that arm would not otherwise run with.

    Prefer a knob the arm fixes itself (so the override beats the arm's own setting).
    """
    chosen: dict[str, tuple[str, Any]] = {}
    base = default_config(lesson)
    for arm_name, arm in lesson.arms.items():
        current = arm_values(lesson, base, arm_name)
        names = list(arm.settings) + [k for k in lesson.knobs if k not in arm.settings]
        for name in names:
            others = [v for v in extreme_values(lesson.knobs[name]) if v != current[name]]
            if others:
                chosen[arm_name] = (name, others[0])
                break
    return chosen


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_per_arm_override_reaches_only_that_arm(
    lesson_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ARM.KNOB=VALUE` for every arm at once: each arm's experiment gets its own value (beating
    what the arm fixes), the other knobs keep the arm's values, and the run does not fail."""
    lesson = COURSE.lesson(lesson_id)
    overrides = per_arm_overrides(lesson)
    assert set(overrides) == set(lesson.arms)
    settings = [f"{arm}.{name}={fmt(value)}" for arm, (name, value) in overrides.items()]
    seen: dict[str, dict[str, Any]] = {}

    class RecordingArmConfig(loop.ArmConfig):
        def __init__(self, values: Any, **kwargs: Any) -> None:
            super().__init__(values, **kwargs)
            seen[kwargs["arm"]] = self.as_dict()

    monkeypatch.setattr(loop, "ArmConfig", RecordingArmConfig)
    result = run_short(lesson, settings)
    assert_no_failure(lesson, settings, result)
    base = default_config(lesson)
    for arm, (name, value) in overrides.items():
        expected = arm_values(lesson, base, arm) | {name: value}
        assert seen[arm] == expected, f"{arm}: got {seen[arm]}, expected {expected}"


SUGGESTION = re.compile(r"`((?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*=[^`\s]+)`")
"""A `KNOB=VALUE` or `ARM.KNOB=VALUE` the lesson text suggests (code in backquotes)."""

HELP_SUGGESTION = re.compile(r"\b([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*=[a-z0-9.+-]+)")
"""An `ARM.KNOB=VALUE` a knob's help suggests ("try accumulating.zero_grad=true")."""

CODE_KEYWORDS = {"requires_grad", "retain_graph", "a"}
"""Python keyword arguments quoted in the texts (`requires_grad=True`, `a=√5`): not settings."""


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_knobs_are_described_and_suggestions_are_allowed(lesson_id: str) -> None:
    """Every knob says what it does in both languages, learning rates turn on a log scale, and
    every setting the lesson text suggests is one the lab accepts (a knob and arm of this lesson,
    a value in range)."""
    lesson = COURSE.lesson(lesson_id)
    for name, knob in lesson.knobs.items():
        assert knob.help.get("en") and knob.help.get("zh"), f"{name}: help in en and zh"
        if name == "lr" or name.endswith("_lr"):
            assert knob.log, f"{name}: a learning rate is turned on a log scale"
        for lang in ("en", "zh"):
            for setting in HELP_SUGGESTION.findall(knob.help[lang]):
                apply_settings(lesson, default_config(lesson), [setting])  # raises if not allowed
    for lang in ("en", "zh"):
        text = (lesson.dir / f"{lang}.md").read_text(encoding="utf-8")
        for setting in SUGGESTION.findall(text):
            if setting.split("=", 1)[0] in CODE_KEYWORDS:
                continue
            apply_settings(lesson, default_config(lesson), [setting])  # raises if not allowed
