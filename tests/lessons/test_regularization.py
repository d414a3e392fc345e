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
    vs 1.43, accuracy 0.702 vs 0.676; heavy train loss 1.50 / 1.45."""
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

    # What to watch, number by number (seed 0 / 1)
    def best(arm: str) -> tuple[int, float]:
        points = dict(history.points(arm, "val_loss"))
        epoch = min(points, key=points.__getitem__)
        return epoch, points[epoch]

    # dropout's best comes later (27 / 18 against 8 / 10) and lower (0.67 / 0.70 against 0.70 / 0.74)
    assert best("dropout")[0] > best("none")[0] and best("dropout")[1] < best("none")[1]
    # wrong labels reproduced at epoch 20: none 0.83 / 0.82, dropout 0.26 / 0.28; at 100 dropout
    # 0.98 / 1.00, heavy 0.06 / 0.06
    fit = {arm: dict(history.points(arm, "noisy_fit")) for arm in ("none", "dropout", "heavy")}
    assert fit["none"][20] > 0.75 and fit["dropout"][20] < 0.35
    assert fit["dropout"][100] > 0.95 and fit["heavy"][100] < 0.1
    # weight norm: none 13.2 -> 21.0 / 20.8, decay 15.0 / 14.8; decay's last val loss 0.99 / 1.01
    # against none's 1.43 / 1.48, at about none's accuracy (0.702 / 0.698 against 0.676 / 0.690)
    norms = {arm: history.series(arm, "weight_norm") for arm in ("none", "decay")}
    assert norms["none"].first[1] == pytest.approx(13.2, abs=0.1)  # type: ignore[union-attr]
    assert norms["none"].last[1] == pytest.approx(21.0, abs=0.4)  # type: ignore[union-attr]
    assert norms["decay"].last[1] == pytest.approx(15.0, abs=0.4)  # type: ignore[union-attr]
    decay = history.last_values("decay")
    assert decay["val_loss"] < 1.05 and decay["noisy_fit"] > 0.95
    assert abs(decay["val_acc"] - history.last_values("none")["val_acc"]) < 0.04
    # heavy underfits (eval-mode train loss 1.50 / 1.45), still falling at epoch 100 at 1.41 / 1.36,
    # accuracy 0.81 / 0.82, its best loss about twice every other arm's best
    heavy = dict(history.points("heavy", "val_loss"))
    assert history.last_values("heavy")["train_loss"] > 1.4
    assert heavy[100] < heavy[99] and best("heavy")[0] == 100
    assert 0.79 < history.last_values("heavy")["val_acc"] < 0.84
    for arm in ("none", "dropout", "decay", "early"):
        assert 1.7 < best("heavy")[1] / best(arm)[1] < 2.2, arm


def test_adam_l2_with_adamw_value_kills_the_net() -> None:
    """decay.optimizer=adam, weight_decay 1.0: weight norm 13.2 -> 2.1 at epoch 10 -> ~0, loss at ln 10,
    val acc 0.08."""
    _result, run = run_arms("regularization", ["decay"], ["decay.optimizer=adam"])
    history = run.history
    assert history.series("decay", "weight_norm").last[1] < 1.0  # type: ignore[union-attr]
    assert dict(history.points("decay", "weight_norm"))[10] == pytest.approx(2.1, abs=0.3)
    assert abs(history.series("decay", "val_loss").last[1] - math.log(10)) < 0.05  # type: ignore[union-attr]
    assert history.series("decay", "val_acc").last[1] < 0.2  # type: ignore[union-attr]


def test_small_decay_in_adamw_does_nothing() -> None:
    """decay.weight_decay=0.001 in AdamW: 1 - 1e-6 per step; last val loss 1.42 and norm 21.0, like none."""
    _result, run = run_arms("regularization", ["decay"], ["decay.weight_decay=0.001"])
    history = run.history
    assert history.series("decay", "weight_norm").last[1] > 19.0  # type: ignore[union-attr]
    assert history.series("decay", "val_loss").last[1] > 1.3  # type: ignore[union-attr]


def test_patience_one_stops_at_the_first_epoch_that_is_not_a_best() -> None:
    """early.patience=1, seed 0: stops at epoch 9 and ships epoch 8 (validation loss 0.701)."""
    _result, run = run_arms("regularization", ["early"], ["early.patience=1"])
    history = run.history
    assert history.last_step("early") == 9
    last = history.last_values("early")
    assert last["best_epoch"] == 8
    assert last["ship/val_loss"] == pytest.approx(0.701, abs=0.01)
