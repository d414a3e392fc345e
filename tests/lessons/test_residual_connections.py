"""residual-connections: a 22-layer default-init MLP gets no gradient at layer 1; x + F(x) fixes it."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_arms, run_lesson


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """20 blocks: plain ratio ~1e-7 and stuck at ln 10; residual ratio ~0.1 and 0.96 accuracy."""
    result, run = run_lesson("residual-connections", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["first(plain.grad_ratio)"] < 1e-5  # measured 1.1e-7
    assert values["first(residual.grad_ratio)"] > 1e-2  # measured 0.125
    assert values["last(plain.val_acc)"] < 0.3  # measured 0.08
    assert values["last(residual.val_acc)"] > 0.9  # measured 0.956
    # the plain net's gradient shrinks towards layer 1 by orders of magnitude, the residual one does not
    h = run.history
    plain = [h.series("plain", f"grad_norm/L{i}").first[1] for i in range(1, 23)]  # type: ignore[union-attr]
    res = [h.series("residual", f"grad_norm/L{i}").first[1] for i in range(1, 23)]  # type: ignore[union-attr]
    assert plain[-1] / plain[0] > 1e5
    assert max(res) / min(res) < 100  # 1.34 orders (seed 0) / 1.35 (seed 1)
    # δ itself: 0.41 per plain layer (6.4e-9 / 5.9e-9), growing through the residual blocks (9.4 / 9.5)
    assert values["first(plain.delta_ratio)"] < 1e-6
    assert values["first(residual.delta_ratio)"] > 1
    prediction_between(run, "residual-connections", "plain_delta_ratio", 7.6e-10, 7.6e-8)


def test_wide_residual_net_diverges_at_the_default_lr() -> None:
    """width=256 (text: 'Try this'): the residual arm goes to NaN at lr 0.01 and trains at lr 0.002."""
    result, _ = run_arms("residual-connections", ["residual"], ["width=256"], steps=60)
    assert result.arms["residual"] == "diverged"
    result, run = run_arms("residual-connections", ["residual"], ["width=256", "lr=0.002"])
    assert result.arms["residual"] == "completed"
    assert run.history.series("residual", "val_acc").last[1] > 0.9  # type: ignore[union-attr]  # 0.954


def test_fewer_blocks_claims_about_the_backward_signal_hold() -> None:
    """blocks=10, seed 2: δ still vanishes through the plain net and grows through the residual one."""
    _, run = run_lesson("residual-connections", ["blocks=10"], steps=1, seed=2)
    assert run.history.series("plain", "delta_ratio").first[1] < 1e-3  # type: ignore[union-attr]
    assert run.history.series("residual", "delta_ratio").first[1] > 1  # type: ignore[union-attr]


def test_he_init_makes_the_residual_arm_explode() -> None:
    """init=kaiming: each block doubles the variance, and the residual net's loss is NaN at once."""
    result, _ = run_arms("residual-connections", ["residual"], ["init=kaiming"])
    assert result.arms["residual"] == "diverged"


def test_batchnorm_in_the_block_rescues_the_plain_net() -> None:
    """batchnorm=true: the contrast flips, the plain net learns as well (measured 0.86)."""
    _, run = run_arms("residual-connections", ["plain"], ["batchnorm=true"])
    acc = run.history.series("plain", "val_acc")
    assert acc is not None and acc.last[1] > 0.7
