"""residual-connections: a 22-layer default-init MLP gets no gradient at layer 1; x + F(x) fixes it."""

from __future__ import annotations

from tests.lessons.conftest import claim_values, run_arms, run_lesson


def test_default_run_shows_the_claim() -> None:
    """20 blocks: plain ratio ~1e-7 and stuck at ln 10; residual ratio ~0.1 and 0.96 accuracy."""
    result, run = run_lesson("residual-connections")
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
    assert max(res) / min(res) < 100


def test_he_init_makes_the_residual_arm_explode() -> None:
    """init=kaiming: each block doubles the variance, and the residual net's loss is NaN at once."""
    result, _ = run_arms("residual-connections", ["residual"], ["init=kaiming"])
    assert result.arms["residual"] == "diverged"


def test_batchnorm_in_the_block_rescues_the_plain_net() -> None:
    """batchnorm=true: the contrast flips, the plain net learns as well (measured 0.86)."""
    _, run = run_arms("residual-connections", ["plain"], ["batchnorm=true"])
    acc = run.history.series("plain", "val_acc")
    assert acc is not None and acc.last[1] > 0.7
