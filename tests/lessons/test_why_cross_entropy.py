"""why-cross-entropy: BCE learns from a saturated start, sigmoid + MSE crawls, accuracy cannot move."""

from __future__ import annotations

from tests.lessons.conftest import claim_values, run_lesson


def test_default_run_shows_the_claim() -> None:
    """Bias -5: MSE's logit gradient is ~75x smaller than BCE's; val acc 0.88 vs 0.61; accuracy frozen."""
    result, _ = run_lesson("why-cross-entropy")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert (
        values["first(mse.grad_logit)"] < 0.05 * values["first(bce.grad_logit)"]
    )  # 0.0055 vs 0.41
    assert values["last(bce.val_acc)"] > 0.85  # measured 0.88
    assert values["last(mse.val_acc)"] < 0.7  # measured 0.61
    assert values["max(accuracy.has_grad)"] == 0


def test_without_saturation_mse_catches_up() -> None:
    """The flip: with init_bias=0 MSE's gradient is half of BCE's and it reaches BCE's accuracy."""
    result, _ = run_lesson("why-cross-entropy", ["init_bias=0"])
    values = claim_values(result)
    assert values["first(mse.grad_logit)"] > 0.3 * values["first(bce.grad_logit)"]  # 0.25 vs 0.5
    assert values["last(mse.val_acc)"] > 0.85  # measured 0.88
    assert values["max(accuracy.has_grad)"] == 0  # accuracy still has no gradient
