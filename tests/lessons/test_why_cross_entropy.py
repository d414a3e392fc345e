"""why-cross-entropy: BCE learns from a saturated start, sigmoid + MSE crawls, accuracy cannot move."""

from __future__ import annotations

import math

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Bias -5: MSE's logit gradient is ~75x smaller than BCE's; val acc 0.88 vs 0.61; error rate flat."""
    result, run = run_lesson("why-cross-entropy", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert (
        values["first(mse.grad_logit)"] < 0.05 * values["first(bce.grad_logit)"]
    )  # 0.0055 vs 0.41
    assert values["last(bce.val_acc)"] > 0.85  # measured 0.88
    assert values["last(mse.val_acc)"] < 0.7  # measured 0.61
    # finite differences: the error rate is flat along every direction, BCE is not
    assert values["max(accuracy.fd_err_nonzero)"] == 0
    assert values["max(bce.fd_err_nonzero)"] == 0  # even at the trained model
    assert values["min(bce.fd_bce_nonzero)"] == 1
    # the MSE/BCE gradient ratio is 2σ(b)σ(−b) for every example
    ratio = values["first(mse.grad_logit)"] / values["first(bce.grad_logit)"]
    assert ratio == pytest.approx(2 * sigmoid(-5) * sigmoid(5), rel=1e-3)
    prediction_between(run, "why-cross-entropy", "mse_over_bce", 0.0125, 0.014)


def test_deeper_saturation_claims_hold() -> None:
    """init_bias=-8, seed 2: every claim holds (MSE never leaves 0.49; ratio 2σ(8)σ(-8) = 6.7e-4)."""
    result, _ = run_lesson("why-cross-entropy", ["init_bias=-8"], seed=2)
    assert result.claim and result.claim["passed"], result.claim


def test_without_saturation_mse_catches_up() -> None:
    """The flip: with init_bias=0 MSE's gradient is half of BCE's and it reaches BCE's accuracy."""
    result, run = run_lesson("why-cross-entropy", ["init_bias=0"])
    values = claim_values(result)
    assert values["first(mse.grad_logit)"] > 0.3 * values["first(bce.grad_logit)"]  # 0.25 vs 0.5
    assert values["last(mse.val_acc)"] > 0.85  # measured 0.88
    # the trained BCE model is flat along every direction here too (measured 0 of 64)
    flat = run.history.series("bce", "fd_err_nonzero")
    assert flat is not None and flat.last[1] < 0.1
