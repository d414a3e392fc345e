"""mlp-and-nonlinearity: stacked Linear layers are affine and fail on two rings; ReLU separates them."""

from __future__ import annotations

from tests.lessons.conftest import claim_values, run_lesson


def test_default_run_shows_the_claim() -> None:
    """Linear arm: affine gap ~4e-7, val acc ~0.5; ReLU arm: gap ~50, val acc 1.0."""
    result, run = run_lesson("mlp-and-nonlinearity")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(linear.affine_gap)"] < 1e-4
    assert values["last(linear.val_acc)"] < 0.65
    assert values["last(relu.val_acc)"] > 0.95
    # the slice through the decision regions: ReLU says outer / inner / outer along the x-axis
    relu = run.history.last_values("relu")
    assert relu["p_outer/0"] > 0.9 and relu["p_outer/10"] < 0.1 and relu["p_outer/20"] > 0.9


def test_one_layer_is_affine_even_with_relu() -> None:
    """The flip: depth=1 has no hidden layer, so the ReLU arm is affine and fails too."""
    result, _ = run_lesson("mlp-and-nonlinearity", ["depth=1"], steps=100)
    values = claim_values(result)
    assert values["last(relu.affine_gap)"] < 1e-4
    assert values["last(relu.val_acc)"] < 0.65


def test_any_nonlinearity_works() -> None:
    """linear.activation=tanh: the first arm now separates the rings as well."""
    result, _ = run_lesson("mlp-and-nonlinearity", ["linear.activation=tanh"], steps=150)
    values = claim_values(result)
    assert values["last(linear.val_acc)"] > 0.95
    assert values["max(linear.affine_gap)"] > 0.1
