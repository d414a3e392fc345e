"""batchnorm: an 8-layer default-init MLP is stuck at ln 10 without BN and trains with it; BN's batch dependence."""

from __future__ import annotations

import math

from tests.lessons.conftest import claim_values, run_lesson


def test_default_run_shows_the_claim() -> None:
    """lr 0.01: no BN at ln 10 and chance; BN learns; train-mode batch dependence; batch of one fails."""
    result, run = run_lesson("batchnorm")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert abs(values["tail_mean(plain.loss, 20)"] - math.log(10)) < 0.05  # measured 2.302
    assert values["last(plain.val_acc)"] < 0.3  # measured 0.088
    assert values["last(bn.val_acc)"] > 0.9  # measured 0.974
    assert values["first(plain.std_last_over_first)"] < 0.3  # measured 0.096
    assert values["last(bn.batch_dep_train)"] > 0.1  # measured 2.5
    assert values["last(bn.batch_dep_eval)"] < 1e-5  # measured 0
    assert values["last(bn.batch_of_one_fails)"] == 1
    # BN keeps every hidden layer's output std in a narrow band at init
    stds = [run.history.series("bn", f"act_std/L{i}").first[1] for i in range(1, 8)]  # type: ignore[union-attr]
    assert max(stds) / min(stds) < 1.5


def test_large_lr_plain_diverges_bn_survives() -> None:
    """lr 1.0: the net without BN ends with a NaN loss; with BN it stays finite and learns."""
    result, run = run_lesson("batchnorm", ["lr=1.0"])
    assert result.arms["plain"] == "diverged"
    assert result.arms["bn"] == "completed"
    acc = run.history.series("bn", "val_acc")
    assert acc is not None and acc.last[1] > 0.6  # measured 0.83
