"""autograd-basics: .grad accumulates; forgetting to zero it makes the fit swing forever."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Zeroed arm reaches the noise floor; the accumulating arm's .grad is a running sum and never settles."""
    result, run = run_lesson("autograd-basics", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["first(accumulating.toy_ratio)"] == 3.0
    assert values["at(accumulating.grad_norm, 2)"] > 2 * values["first(accumulating.grad_norm)"]
    assert values["last(zeroed.loss)"] < 0.35  # measured 0.279; noise floor 0.25
    assert abs(values["last(zeroed.w)"] - 3) < 0.15  # measured 3.024
    assert values["tail_mean(accumulating.loss, 20)"] > 2  # measured 7.7 / 7.9
    # the prediction: .grad at step 2 is a sum of three gradients, near 3x the first
    first = values["first(accumulating.grad_norm)"]  # 8.4 / 9.2
    # measured 21.2 / 23.0
    prediction_between(run, "autograd-basics", "grad_at_step2", 2.2 * first, 3 * first)


def test_fewer_points_larger_lr_same_story() -> None:
    """n_points=50, lr=0.1, seed 2: the claim holds (zeroed loss 0.249, accumulating tail mean 7.1)."""
    result, _ = run_lesson("autograd-basics", ["n_points=50", "lr=0.1"], seed=2)
    assert result.claim and result.claim["passed"], result.claim


def test_zeroing_in_both_arms_makes_them_identical() -> None:
    """The flip: with accumulating.zero_grad=true the two arms draw the same curves."""
    result, run = run_lesson("autograd-basics", ["accumulating.zero_grad=true"])
    zeroed = [v for _, v in run.history.series("zeroed", "loss").recent()]  # type: ignore[union-attr]
    accumulating = [v for _, v in run.history.series("accumulating", "loss").recent()]  # type: ignore[union-attr]
    assert zeroed == accumulating
    assert not result.claim["passed"]  # type: ignore[index]


def test_smaller_lr_still_swings_without_zeroing() -> None:
    """At lr 0.01 with 300 steps the zeroed arm converges and the accumulating arm still oscillates."""
    result, _ = run_lesson("autograd-basics", ["lr=0.01"], steps=300)
    values = claim_values(result)
    assert values["last(zeroed.loss)"] < 0.35
    assert values["tail_mean(accumulating.loss, 20)"] > 1
