"""batchnorm: an 8-layer default-init MLP is stuck at ln 10 without BN and trains with it; BN's batch dependence."""

from __future__ import annotations

import math

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """lr 0.01: no BN at ln 10 and chance; BN learns; train-mode batch dependence; batch of one fails."""
    result, run = run_lesson("batchnorm", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert abs(values["tail_mean(plain.loss, 20)"] - math.log(10)) < 0.05  # measured 2.302
    assert values["last(plain.val_acc)"] < 0.3  # measured 0.088
    assert values["last(bn.val_acc)"] > 0.9  # measured 0.974
    assert values["first(plain.spread_last_over_first)"] < 0.03  # measured 3.7e-3 / 3.2e-3
    assert values["first(plain.delta_ratio)"] < 0.03  # measured 2.1e-3 / 1.9e-3 (0.41^7 = 1.9e-3)
    assert (
        values["first(plain.grad_ratio)"] > 5 * values["first(plain.delta_ratio)"]
    )  # 0.043 / 0.047
    # the std over all elements plateaus (the biases), the spread across images does not
    plain_std = [run.history.series("plain", f"act_std/L{i}").first[1] for i in range(4, 8)]  # type: ignore[union-attr]
    plain_spread = [run.history.series("plain", f"spread/L{i}").first[1] for i in range(4, 8)]  # type: ignore[union-attr]
    assert max(plain_std) / min(plain_std) < 1.5  # 0.035 .. 0.032
    assert plain_spread[0] / plain_spread[-1] > 5  # 0.017 -> 0.0012
    prediction_between(run, "batchnorm", "delta_ratio_plain", 2e-4, 2e-2)
    assert values["last(bn.batch_dep_train)"] > 0.1  # measured 2.5
    assert values["last(bn.batch_dep_eval)"] < 1e-5  # measured 0
    assert values["last(bn.batch_of_one_fails)"] == 1
    # BN keeps every hidden layer's output std in a narrow band at init
    stds = [run.history.series("bn", f"spread/L{i}").first[1] for i in range(1, 8)]  # type: ignore[union-attr]
    assert max(stds) / min(stds) < 1.5


def test_narrower_net_same_mechanism() -> None:
    """width=64, seed 2: every claim holds (plain spread 3e-3-ish, δ ratio small, BN learns)."""
    result, _ = run_lesson("batchnorm", ["width=64"], seed=2)
    assert result.claim and result.claim["passed"], result.claim


def test_large_lr_plain_diverges_bn_survives() -> None:
    """lr 1.0: the net without BN ends with a NaN loss; with BN it stays finite and learns."""
    result, run = run_lesson("batchnorm", ["lr=1.0"])
    assert result.arms["plain"] == "diverged"
    assert result.arms["bn"] == "completed"
    acc = run.history.series("bn", "val_acc")
    assert acc is not None and acc.last[1] > 0.6  # measured 0.83
