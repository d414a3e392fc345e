"""vanishing-gradients bug hunt: a 10-layer sigmoid MLP stuck at ln 10, fixed with ReLU + He init."""

from __future__ import annotations

import pytest

from dllab.curriculum.bughunt import check_hunt
from dllab.curriculum.loader import load_course


@pytest.fixture(scope="module")
def lesson():  # type: ignore[no-untyped-def]
    return load_course().lesson("vanishing-gradients")


def test_bughunt_broken_script_fails(lesson) -> None:  # type: ignore[no-untyped-def]
    """The shipped script (sigmoid, default init) runs but stays at chance (measured val acc 0.10, loss 2.32)."""
    verdict = check_hunt(lesson, lesson.dir / "bughunt.py", use_diagnose=False)
    assert not verdict.passed
    assert verdict.metrics["val_acc"] < 0.3
    assert verdict.metrics["train_loss"] > 2.0


def test_bughunt_solution_passes(lesson) -> None:  # type: ignore[no-untyped-def]
    """The reference fix (ReLU + He init) meets `expect` (measured val acc 0.974)."""
    verdict = check_hunt(lesson, lesson.dir / "solution.py", use_diagnose=False)
    assert verdict.passed, verdict.problems
    assert verdict.metrics["val_acc"] > 0.9


def test_bughunt_with_diagnose(lesson) -> None:  # type: ignore[no-untyped-def]
    """With diagnose available: vanishing-gradients is reported on the broken script and gone on the fix."""
    pytest.importorskip("dllab.diagnose.api")
    broken = check_hunt(lesson, lesson.dir / "bughunt.py")
    assert not broken.passed
    assert "vanishing-gradients" in broken.findings
    fixed = check_hunt(lesson, lesson.dir / "solution.py")
    assert fixed.passed, fixed.problems
    assert fixed.findings == []
