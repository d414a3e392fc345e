"""regularization: on lesson 19's noisy digits, early stopping ships the best epoch, dropout slows
memorization, AdamW decay keeps weights small, dropout 0.9 underfits; Adam's L2 at AdamW's value kills."""

from __future__ import annotations

import math

import pytest

from tests.lessons.conftest import claim_values, run_arms, run_lesson

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Measured seed 0 / 1: early ships 0.874 / 0.830 vs none's last 0.676 / 0.690, stopping at 18 / 20;
    noisy fit at epoch 20 dropout 0.26 / 0.28 vs none 0.83 / 0.82; decay norm 15.0 vs 21.0, val 0.99
    vs 1.43; heavy train loss 1.50 / 1.45."""
    result, run = run_lesson("regularization", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    history = run.history
    # early stopping: it stopped `patience` epochs after its best and shipped exactly that epoch
    best = history.series("early", "best_epoch").last[1]  # type: ignore[union-attr]
    assert values["last(early.stopped_epoch)"] == best + 10
    assert history.last_step("early") == best + 10  # the arm really ended there
    val = history.series("early", "val_loss")
    assert val is not None
    assert history.series("early", "ship/val_loss").last[1] == pytest.approx(val.lo)  # type: ignore[union-attr]
    # every other arm ships its last epoch
    for arm in ("none", "dropout", "decay", "heavy"):
        shipped = history.series(arm, "ship/val_acc").last[1]  # type: ignore[union-attr]
        assert shipped == history.series(arm, "val_acc").last[1]  # type: ignore[union-attr]
    # the none arm is lesson 19's big model: best epoch 8 / 10, last val loss 1.43 / 1.48
    assert values["last(none.best_epoch)"] in (8.0, 10.0)
    assert values["last(none.val_loss)"] > 1.3


def test_adam_l2_with_adamw_value_kills_the_net() -> None:
    """decay.optimizer=adam, weight_decay 1.0: weight norm 13.2 -> ~0, loss at ln 10, val acc 0.08."""
    _result, run = run_arms("regularization", ["decay"], ["decay.optimizer=adam"])
    history = run.history
    assert history.series("decay", "weight_norm").last[1] < 1.0  # type: ignore[union-attr]
    assert abs(history.series("decay", "val_loss").last[1] - math.log(10)) < 0.05  # type: ignore[union-attr]
    assert history.series("decay", "val_acc").last[1] < 0.2  # type: ignore[union-attr]


def test_small_decay_in_adamw_does_nothing() -> None:
    """decay.weight_decay=0.001 in AdamW: 1 - 1e-6 per step; last val loss 1.42 and norm 21.0, like none."""
    _result, run = run_arms("regularization", ["decay"], ["decay.weight_decay=0.001"])
    history = run.history
    assert history.series("decay", "weight_norm").last[1] > 19.0  # type: ignore[union-attr]
    assert history.series("decay", "val_loss").last[1] > 1.3  # type: ignore[union-attr]
