"""vanishing-gradients: sigmoid gradients vanish in a deep MLP, ReLU + He keeps them."""

from __future__ import annotations

import itertools
import math

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Depth 10: sigmoid first/last ratio < 1e-5, ReLU within [1e-2, 1e2], ReLU learns, sigmoid does not."""
    result, run = run_lesson("vanishing-gradients", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["first(sigmoid.grad_ratio)"] < 1e-5
    assert 1e-2 < values["first(relu.grad_ratio)"] < 1e2
    # the per-layer bars: sigmoid gradients shrink monotonically towards layer 1
    sig = [run.history.series("sigmoid", f"grad_norm/L{i}").first[1] for i in range(1, 11)]  # type: ignore[union-attr]
    assert all(a < b for a, b in itertools.pairwise(sig))
    # forward and backward vanish by the same per-layer factor (seed 0: 0.18 and 0.14)
    first = run.history.series("sigmoid", "spread_ratio").first[1]  # type: ignore[union-attr]
    delta = run.history.series("sigmoid", "delta_ratio").first[1]  # type: ignore[union-attr]
    assert first < 1e-4 and delta < 1e-5  # measured 2.4e-7 and 2.4e-8
    per_layer_fwd, per_layer_bwd = first ** (1 / 8), delta ** (1 / 9)
    assert 0.5 < per_layer_fwd / per_layer_bwd < 2, (per_layer_fwd, per_layer_bwd)
    # the top hidden layer of the sigmoid net is the same vector for every image
    assert run.history.series("sigmoid", "spread/L9").first[1] < 1e-6  # type: ignore[union-attr]
    # the prediction's answer: 0.14^9 = 2e-8 within a decade
    prediction_between(run, "vanishing-gradients", "ratio_at_depth10", 2e-9, 2e-7)  # 4e-8


def test_depth_five_still_contrasts_but_less() -> None:
    """At depth 5 the sigmoid ratio is still small (~7e-4) but far above depth 10's ~4e-8."""
    _result, run = run_lesson("vanishing-gradients", ["depth=5"], steps=1)
    ratio = run.history.series("sigmoid", "grad_ratio").first[1]  # type: ignore[union-attr]
    assert 1e-5 < ratio < 1e-2
    assert run.history.series("relu", "grad_ratio").first[1] > 1e-2  # type: ignore[union-attr]


def test_relu_with_default_init_vanishes_at_depth_20() -> None:
    """ReLU alone is not enough: with PyTorch's default init at depth 20 the ratio collapses too."""
    _result, run = run_lesson("vanishing-gradients", ["depth=20", "relu.init=default"], steps=1)
    assert run.history.series("relu", "grad_ratio").first[1] < 1e-4  # type: ignore[union-attr]


def test_wider_net_shows_the_same_mechanism() -> None:
    """width=64, seed 2: the claims about the step-0 signal hold off the default knob."""
    _result, run = run_lesson("vanishing-gradients", ["width=64"], steps=1, seed=2)
    sig = run.history.series("sigmoid", "delta_ratio").first[1]  # type: ignore[union-attr]
    relu = run.history.series("relu", "delta_ratio").first[1]  # type: ignore[union-attr]
    assert sig < 1e-5 and 1e-2 < relu < 1e2, (sig, relu)
    assert run.history.series("sigmoid", "spread_ratio").first[1] < 1e-4  # type: ignore[union-attr]
    assert math.isfinite(run.history.series("relu", "spread_ratio").first[1])  # type: ignore[union-attr]
