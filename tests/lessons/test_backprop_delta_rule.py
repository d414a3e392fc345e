"""backprop-delta-rule: the hand-written δ rule equals autograd; dropping f'(z) does not."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Sigmoid 3-4-2: hand gradients equal autograd, same loss curve; the f'(z) bug is caught."""
    result, run = run_lesson("backprop-delta-rule", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(autograd.grad_diff)"] < 1e-5  # measured 0 (same float32 operations)
    assert values["max(by_hand.grad_diff)"] < 1e-5
    assert values["first(forgot_fprime.grad_diff)"] > 1e-2  # measured 0.34 (seed 0) / 0.34 (seed 1)
    # σ' <= 1/4: the f'-less step-0 gradients are 4.1x (layer 2) and 18x (layer 1) larger (seed 0)
    l2 = values["first(forgot_fprime['grad_norm/L2'])"] / values["first(autograd['grad_norm/L2'])"]
    l1 = values["first(forgot_fprime['grad_norm/L1'])"] / values["first(autograd['grad_norm/L1'])"]
    assert l2 > 3 and l1 > 10, (l2, l1)
    prediction_between(run, "backprop-delta-rule", "output_gradient_ratio", 4.0, 5.0)  # 4.06
    # the two correct arms draw the same curve, step for step
    auto = [v for _, v in run.history.series("autograd", "loss").recent()]  # type: ignore[union-attr]
    hand = [v for _, v in run.history.series("by_hand", "loss").recent()]  # type: ignore[union-attr]
    assert max(abs(a - h) for a, h in zip(auto, hand, strict=True)) < 1e-5  # measured 0


def test_wide_net_still_matches_though_it_trains_slower() -> None:
    """width=256: the δ rule still matches and the claim holds; the loss falls only 8x (0.184 -> 0.023).

    Seed 1: the two correct arms end 0.4% apart (0.0429 vs 0.0431), float32 rounding
    grown over 300 steps at lr 2, while every step's gradient check reads 0.
    """
    result, _ = run_lesson("backprop-delta-rule", ["width=256"], seed=1)
    assert result.claim and result.claim["passed"], result.claim


def test_large_lr_the_claim_holds_and_the_bug_costs_more() -> None:
    """lr=10: correct arms still agree and reach 0.001; the f'-less arm ends 25x higher (0.024)."""
    result, _ = run_lesson("backprop-delta-rule", ["lr=10"])
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    # measured 0.024 vs 0.00096
    assert values["last(forgot_fprime.loss)"] > 5 * values["last(autograd.loss)"]


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
