"""Claim expressions: evaluated on the history, with the values they were decided on; no code execution."""

from __future__ import annotations

import math

import pytest

from dllab.curriculum.claims import Check, ClaimSyntaxError, evaluate_claim
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory


def history() -> RunHistory:
    h = RunHistory()
    for step, (a, b) in enumerate([(2.0, 2.0), (1.0, 2.1), (0.5, math.nan)]):
        h.add([MetricPoint("r", "relu", step, "loss", a), MetricPoint("r", "sig", step, "loss", b)])
    h.add([MetricPoint("r", "relu", 0, "grad_norm/L1", 0.3)])
    return h


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("last(relu.loss) < 1", True),
        ("first(relu.loss) == 2 and min(relu.loss) == 0.5", True),
        ("tail_mean(relu.loss, 2) == 0.75", True),
        ("diverged(sig.loss) and nonfinite_step(sig.loss) == 2", True),
        ("finite(relu.loss) and not diverged(relu.loss)", True),
        ("0.1 < last(relu['grad_norm/L1']) < 1", True),
        ("last(relu.loss) > 2 * last(sig.loss) or max(sig.loss) > 2", True),
        ("log10(first(relu.loss)) > 1", False),
        ("count(relu.loss) == 3", True),
    ],
)
def test_expressions(expr: str, expected: bool) -> None:
    result = Check(expr, arms=["relu", "sig"]).evaluate(history())
    assert result.passed is expected, result


def test_values_are_reported() -> None:
    result = Check("first(relu.loss) > last(relu.loss)").evaluate(history())
    assert result.values == {"first(relu.loss)": 2.0, "last(relu.loss)": 0.5}


def test_missing_series_is_pending_not_failed() -> None:
    result = Check("last(relu.val_acc) > 0.9").evaluate(history())
    assert result.passed is None and "no data for relu.val_acc" in result.error
    claim = evaluate_claim([Check("last(relu.val_acc) > 0.9")], history())
    assert claim.passed is False
    assert claim.to_json()["details"][0]["passed"] is None


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('x')",
        "relu.loss.__class__",
        "open('f')",
        "[1, 2]",
        "lambda: 1",
        "first(1)",
        "'text' == 'text'",
        "x < 1",
        "relu.loss if 1 else 2",
        "unknown.loss < 1",
    ],
)
def test_anything_outside_the_whitelist_is_rejected(expr: str) -> None:
    with pytest.raises(ClaimSyntaxError):
        Check(expr, arms=["relu", "sig"])
