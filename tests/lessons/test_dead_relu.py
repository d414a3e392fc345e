"""dead-relu: Adam lr 0.05 and biases at −3 kill ReLU units; Adam lr 1e-3 keeps them; the bug hunt."""

from __future__ import annotations

import pytest

from dllab.curriculum.bughunt import check_hunt
from dllab.curriculum.loader import load_course
from tests.lessons.conftest import claim_values, run_arms, run_lesson


def test_default_run_shows_the_claim() -> None:
    """Adam 1e-3 ≤ 10% dead and learns; Adam 0.05 > 50% of a layer dead; biases −3 dead from step 0."""
    result, run = run_lesson("dead-relu")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(calm.max_dead)"] < 0.1  # measured 0.023
    assert values["last(hot.max_dead)"] > 0.5  # measured 0.86 (layer 2)
    assert values["first(negbias.max_dead)"] > 0.5  # measured 0.60 (layer 3, before any step)
    assert values["last(negbias.val_acc)"] < 0.3  # measured 0.11
    assert values["last(calm.val_acc)"] > 0.9  # measured 0.96
    # the bars: Adam 0.05 kills layer 2 specifically, layer 1 stays alive
    layer = run.history.series("hot", "dead/L2")
    assert layer is not None and layer.last[1] > 0.5


def test_milder_negative_bias_flips_the_negbias_arm() -> None:
    """Biases at −1 instead of −3: almost no dead units, and the arm learns."""
    _, run = run_arms("dead-relu", ["negbias"], ["negbias.bias_init=-1"])
    dead = run.history.series("negbias", "max_dead")
    acc = run.history.series("negbias", "val_acc")
    assert dead is not None and acc is not None
    assert dead.last[1] < 0.1  # measured 0.008
    assert acc.last[1] > 0.9  # measured 0.962


@pytest.fixture(scope="module")
def lesson():  # type: ignore[no-untyped-def]
    return load_course().lesson("dead-relu")


def test_bughunt_broken_script_fails(lesson) -> None:  # type: ignore[no-untyped-def]
    """The shipped script (Adam lr 0.05) runs but misses `expect` (measured val acc 0.54)."""
    verdict = check_hunt(lesson, lesson.dir / "bughunt.py", use_diagnose=False)
    assert not verdict.passed
    assert verdict.metrics["val_acc"] < 0.8


def test_bughunt_solution_passes(lesson) -> None:  # type: ignore[no-untyped-def]
    """The reference fix (Adam lr 1e-3) meets `expect` (measured val acc 0.966)."""
    verdict = check_hunt(lesson, lesson.dir / "solution.py", use_diagnose=False)
    assert verdict.passed, verdict.problems
    assert verdict.metrics["val_acc"] > 0.9


def test_bughunt_with_diagnose(lesson) -> None:  # type: ignore[no-untyped-def]
    """With diagnose available: dead-relu is reported on the broken script and gone on the fix."""
    pytest.importorskip("dllab.diagnose.api")
    broken = check_hunt(lesson, lesson.dir / "bughunt.py")
    assert not broken.passed
    assert "dead-relu" in broken.findings
    fixed = check_hunt(lesson, lesson.dir / "solution.py")
    assert fixed.passed, fixed.problems
    assert fixed.findings == []
