"""vanishing-gradients: sigmoid gradients vanish in a deep MLP, ReLU + He keeps them."""

from __future__ import annotations

import itertools

from tests.lessons.conftest import claim_values, run_lesson


def test_default_run_shows_the_claim() -> None:
    """Depth 10: sigmoid first/last ratio < 1e-5, ReLU within [1e-2, 1e2], ReLU learns, sigmoid does not."""
    result, run = run_lesson("vanishing-gradients")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["first(sigmoid.grad_ratio)"] < 1e-5
    assert 1e-2 < values["first(relu.grad_ratio)"] < 1e2
    # the per-layer bars: sigmoid gradients shrink monotonically towards layer 1
    sig = [run.history.series("sigmoid", f"grad_norm/L{i}").first[1] for i in range(1, 11)]  # type: ignore[union-attr]
    assert all(a < b for a, b in itertools.pairwise(sig))


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
