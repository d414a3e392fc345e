"""logits-not-probabilities: Softmax before CrossEntropyLoss floors the loss and shrinks gradients; bug hunt."""

from __future__ import annotations

import math

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson

FLOOR_10 = math.log(1 + 9 / math.e)  # 1.4612


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """SGD 0.1: softmax arm never below 1.461 (min 1.65), gradients ~10x smaller, val acc 0.49 vs 0.92 at epoch 5."""
    result, run = run_lesson("logits-not-probabilities", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["first(softmax.loss_floor)"] == pytest.approx(FLOOR_10, abs=1e-4)
    assert values["min(softmax.loss)"] > FLOOR_10
    assert values["tail_mean(logits.loss, 21)"] < 0.2  # measured 0.036
    assert (
        values["first(softmax.grad_logit)"] < 0.3 * values["first(logits.grad_logit)"]
    )  # 0.18 vs 1.80
    assert values["at(logits.val_acc, 105)"] > 0.9  # measured 0.924
    assert values["at(softmax.val_acc, 105)"] < 0.8  # measured 0.494
    prediction_between(run, "logits-not-probabilities", "softmax_floor", FLOOR_10, 1.461 * 1.15)
    prediction_between(run, "logits-not-probabilities", "gradient_shrink", 0.05, 0.2)  # 0.1 = 1/C


def test_adam_hides_the_bug_from_accuracy_but_not_from_the_loss() -> None:
    """Adam 1e-3: both arms reach ~0.96 val acc, yet the softmax arm's loss still sits on the floor."""
    result, run = run_lesson("logits-not-probabilities", ["optimizer=adam", "lr=0.001"])
    values = claim_values(result)
    assert run.history.series("softmax", "val_acc").last[1] > 0.9  # type: ignore[union-attr]
    assert values["min(softmax.loss)"] > FLOOR_10
    assert values["tail_mean(logits.loss, 21)"] < 0.5 * FLOOR_10


def test_two_classes_lower_the_floor() -> None:
    """n_classes=2: the floor is log(1 + 1/e) = 0.3133 and the softmax arm stays above it."""
    _, run = run_lesson("logits-not-probabilities", ["n_classes=2"], steps=100)
    floor = run.history.series("softmax", "loss_floor").first[1]  # type: ignore[union-attr]
    assert floor == pytest.approx(math.log(1 + 1 / math.e), abs=1e-6)
    assert run.history.series("softmax", "loss").lo > floor  # type: ignore[union-attr]
