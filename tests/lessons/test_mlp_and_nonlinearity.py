"""mlp-and-nonlinearity: stacked Linear layers are affine and fail on two rings; ReLU separates them."""

from __future__ import annotations

import math

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Linear arm: affine gap ~4e-7, loss ln 2; ReLU arm: gap ~50, val acc 1.0."""
    result, run = run_lesson("mlp-and-nonlinearity", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(linear.affine_gap)"] < 1e-4
    assert abs(values["last(linear.loss)"] - math.log(2)) < 0.01  # 0.6927 / 0.6915
    # a line can beat chance (0.656 / 0.612), the cross-entropy-trained linear arm need not
    assert values["first(linear.best_line_acc)"] > 0.58
    assert values["last(relu.val_acc)"] > 0.95
    prediction_between(run, "mlp-and-nonlinearity", "linear_loss", 0.68, 0.70)
    # the slice through the decision regions: ReLU says outer / inner / outer along the x-axis
    relu = run.history.last_values("relu")
    assert relu["p_outer/0"] > 0.9 and relu["p_outer/10"] < 0.1 and relu["p_outer/20"] > 0.9


def test_one_layer_is_affine_even_with_relu() -> None:
    """The flip: depth=1 has no hidden layer, so the ReLU arm is affine and fails too."""
    result, _ = run_lesson("mlp-and-nonlinearity", ["depth=1"], steps=100)
    values = claim_values(result)
    assert values["last(relu.affine_gap)"] < 1e-4
    assert values["last(relu.val_acc)"] < values["first(linear.best_line_acc)"] + 0.05


def test_any_nonlinearity_works() -> None:
    """linear.activation=tanh: the first arm now separates the rings as well."""
    result, run = run_lesson("mlp-and-nonlinearity", ["linear.activation=tanh"], steps=150)
    values = claim_values(result)
    assert run.history.last_values("linear")["val_acc"] > 0.95
    assert values["max(linear.affine_gap)"] > 0.1


def test_narrower_net_claims_hold() -> None:
    """width=16, seed 2: every claim holds off the default knob."""
    result, _ = run_lesson("mlp-and-nonlinearity", ["width=16"], seed=2)
    assert result.claim and result.claim["passed"], result.claim
