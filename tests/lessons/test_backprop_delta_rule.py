"""backprop-delta-rule: the hand-written δ rule equals autograd; dropping f'(z) does not."""

from __future__ import annotations

from tests.lessons.conftest import claim_values, run_lesson


def test_default_run_shows_the_claim() -> None:
    """Sigmoid 3-4-2: hand gradients within 1e-5 of autograd, same loss curve; the f'(z) bug is caught."""
    result, run = run_lesson("backprop-delta-rule")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(autograd.grad_diff)"] < 1e-5  # measured ~4e-9 (float32 rounding)
    assert values["max(by_hand.grad_diff)"] < 1e-5
    assert values["last(autograd.loss)"] < 0.1 * values["first(autograd.loss)"]  # 0.165 -> 0.0046
    assert values["first(forgot_fprime.grad_diff)"] > 1e-2  # measured 0.34
    # the two correct arms draw the same curve, step for step
    auto = [v for _, v in run.history.series("autograd", "loss").recent()]  # type: ignore[union-attr]
    hand = [v for _, v in run.history.series("by_hand", "loss").recent()]  # type: ignore[union-attr]
    assert max(abs(a - h) for a, h in zip(auto, hand, strict=True)) < 1e-5


def test_relu_derivative_still_matches() -> None:
    """With ReLU the δ rule matches autograd exactly, and the f'(z) bug is even larger."""
    result, _ = run_lesson("backprop-delta-rule", ["activation=relu", "lr=0.5"], steps=100)
    values = claim_values(result)
    assert values["max(by_hand.grad_diff)"] < 1e-6
    assert values["first(forgot_fprime.grad_diff)"] > 0.1  # measured 0.83


def test_fixing_the_bug_flips_the_third_arm() -> None:
    """forgot_fprime.hand_rule=correct: the third arm now matches autograd too."""
    result, _ = run_lesson("backprop-delta-rule", ["forgot_fprime.hand_rule=correct"], steps=20)
    values = claim_values(result)
    assert values["first(forgot_fprime.grad_diff)"] < 1e-5
