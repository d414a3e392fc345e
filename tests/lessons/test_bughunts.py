"""Every bug hunt in the course: the shipped script is broken, the reference solution fixes it.

One parametrized test for all lessons with a `[bughunt]` table, so a new bug hunt is
checked the moment it is added to the manifest. Each script runs once as it is and once
under `dllab diagnose`, all of them side by side, before the tests read the outcomes. BROKEN holds, per lesson, how far the
broken script measurably misses (the numbers in comments were measured when the
lessons were written); the solution must always meet the lesson's own `expect`.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Lesson
from dllab.hunts import TIME_LIMIT_S, HuntResult, check_hunt, verify_hunt

# The fixture runs every script before the first test that reads it: that test's deadline
# covers them all (each script still has its own, `TIME_LIMIT_S`).
pytestmark = pytest.mark.timeout(1800)

WORKERS = max(2, min(4, os.cpu_count() or 1))
"""Scripts run side by side (each its own process, one thread each)."""

FLOOR_10 = math.log(1 + 9 / math.e)  # 1.4612: CE on probabilities over 10 classes never goes lower

BROKEN: dict[str, dict[str, tuple[str, float]]] = {
    # metric: (comparison, bound) the broken script's RESULT must satisfy
    "logits-not-probabilities": {
        "val_acc": ("<", 0.8),
        "train_loss": (">", FLOOR_10),
    },  # 0.47 / 2.23
    "vanishing-gradients": {"val_acc": ("<", 0.3), "train_loss": (">", 2.0)},  # 0.10 / 2.32
    "dead-relu": {"val_acc": ("<", 0.85)},  # 0.64 / 0.67 / 0.54 measured on three machines
    "backprop-delta-rule": {"grad_diff": (">", 1e-2)},  # 0.19, and the loss ends nan
    "residual-connections": {"reloaded_val_acc": ("<", 0.8)},  # 0.64 (the saved model: 0.95)
    "input-normalization": {"val_mse": (">", 1000.0)},  # 1947 (noise floor 100)
    "batchnorm": {"val_acc": ("<", 0.9)},  # 0.82 (train loss 0.016, same as the fix)
    "autograd-basics": {"train_loss": (">", 5.0)},  # 55.5 (val acc 0.93 still looks fine)
    "overfitting-capacity": {"val_acc": ("<", 0.72), "val_loss": (">", 1.2)},  # 0.682 / 1.409
    "lr-schedules-warmup": {"max_dead": (">", 0.5)},  # 0.68 (val acc 0.966: only the units show it)
    "train-eval-modes": {"val_acc": ("<", 0.94)},  # 0.927 (last 5 epochs 0.920-0.938)
    "rnn-vanishing-gates": {"val_acc": ("<", 0.4), "train_loss": (">", 1.3)},  # 0.272 / 1.388
    "gradient-clipping": {"finite_steps": ("<", 300)},  # 78 (seed 1: 127), then the loss is nan
    "transfer-learning": {
        "val_acc": ("<", 0.3)
    },  # 0.189: the new head never moves (loss 4.16 flat)
}

HUNTS = [lesson for lesson in load_course().lessons if lesson.bughunt is not None]


def test_the_course_has_its_bug_hunts() -> None:
    assert {lesson.id for lesson in HUNTS} >= set(BROKEN)


@dataclass
class Outcome:
    """One script's plain run (its RESULT against `expect`) and its diagnose findings."""

    hunt: HuntResult
    findings: set[str] | None
    """None when the lesson lists no `absent` checks (diagnose is not run)."""


def _outcome(lesson: Lesson, file: str) -> Outcome:
    assert lesson.bughunt is not None
    path = lesson.dir / file
    hunt = check_hunt(lesson, path, use_diagnose=False)
    findings = None
    if lesson.bughunt.absent:
        from dllab.diagnose.api import diagnose_file

        report = diagnose_file(path, time_limit=TIME_LIMIT_S)
        findings = {f.check for f in report.findings}
    return Outcome(hunt, findings)


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[tuple[str, str], Outcome]]:
    """Every hunt's broken script and solution, each run once plainly and once under diagnose.

    The scripts are independent processes: they run side by side (one thread each).
    """
    jobs = [(lesson, f) for lesson in HUNTS for f in ("bughunt.py", "solution.py")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_NUM_THREADS", "1")
        with ThreadPoolExecutor(WORKERS) as pool:
            done = list(pool.map(lambda job: _outcome(*job), jobs))
        yield {(lesson.id, f): outcome for (lesson, f), outcome in zip(jobs, done, strict=True)}


@pytest.mark.parametrize("lesson", HUNTS, ids=lambda lesson: lesson.id)
def test_broken_script_misses_and_solution_meets_expect(
    lesson: Lesson, outcomes: dict[tuple[str, str], Outcome]
) -> None:
    broken = outcomes[lesson.id, "bughunt.py"].hunt
    assert not broken.passed, "the shipped bug hunt already passes"
    for metric, (op, bound) in BROKEN.get(lesson.id, {}).items():
        value = broken.metrics[metric]
        assert value < bound if op == "<" else value > bound, (metric, value)
    fixed = outcomes[lesson.id, "solution.py"].hunt
    assert fixed.passed, fixed.problems


@pytest.mark.parametrize("lesson", HUNTS, ids=lambda lesson: lesson.id)
def test_diagnose_finds_the_bug_and_not_the_fix(
    lesson: Lesson, outcomes: dict[tuple[str, str], Outcome]
) -> None:
    """`dllab diagnose` reports every `absent` check on the broken script and nothing on the fix."""
    assert lesson.bughunt is not None
    if not lesson.bughunt.absent:
        pytest.skip("no diagnose check covers this bug (the hunt is verified by its expect alone)")
    broken = outcomes[lesson.id, "bughunt.py"].findings
    assert broken is not None and set(lesson.bughunt.absent) <= broken, broken
    fixed = outcomes[lesson.id, "solution.py"].findings
    assert fixed is not None and not fixed & set(lesson.bughunt.absent), fixed


def test_every_absent_id_is_a_diagnose_check() -> None:
    """`dllab lessons check` (static part): no hunt names a check diagnose does not have."""
    for lesson in HUNTS:
        assert verify_hunt(lesson, run_scripts=False) == [], lesson.id


def test_lessons_check_catches_a_hunt_that_cannot_fail() -> None:
    """A hunt whose 'broken' script is the solution, and whose absent id is misspelt, is reported twice."""
    lesson = load_course().lesson("residual-connections")  # the fastest hunt (~3 s a script)
    assert lesson.bughunt is not None
    hunt = dataclasses.replace(
        lesson.bughunt, file=lesson.bughunt.solution, absent=("unregistered-module",)
    )
    problems = verify_hunt(dataclasses.replace(lesson, bughunt=hunt))
    assert len(problems) == 2, problems
    assert "'unregistered-module', which is not a diagnose check" in problems[0]
    assert "already meets its expect" in problems[1]
