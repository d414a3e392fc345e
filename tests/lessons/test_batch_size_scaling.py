"""batch-size-scaling: batch 128 needs a scaled lr; accumulation equals the whole batch only with loss / k."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, run_arms, run_lesson

pytestmark = pytest.mark.slow


def series(run, arm: str, metric: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [v for _, v in run.history.series(arm, metric).recent()]


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Measured seed 0 / 1: 0.016 / 0.015 (b16), 0.25 / 0.19 (b128), 0.014 / 0.012 (linear), 0.083 / 0.063 (sqrt)."""
    result, run = run_lesson("batch-size-scaling", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["last(big_same.train_loss)"] > 5 * values["last(small.train_loss)"]
    assert values["last(big_linear.train_loss)"] < 2 * values["last(small.train_loss)"]
    assert values["max(accum.accum_err)"] < 1e-6
    # the LR each arm used is what its rule says
    assert series(run, "big_linear", "lr")[-1] == pytest.approx(0.04)
    assert series(run, "big_sqrt", "lr")[-1] == pytest.approx(0.005 * 8**0.5)
    # accumulation with loss / 8 is the batch-128 run, epoch for epoch
    acc, lin = series(run, "accum", "train_loss"), series(run, "big_linear", "train_loss")
    assert acc == pytest.approx(lin, rel=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_higher_base_lr_keeps_the_linear_rule(seed: int) -> None:
    """base_lr=0.02 (linear: 0.16 at batch 128): still within 2x of batch 16, unscaled still far behind."""
    result, _run = run_lesson("batch-size-scaling", ["base_lr=0.02"], seed=seed)
    values = claim_values(result)
    assert values["last(big_linear.train_loss)"] < 2 * values["last(small.train_loss)"]
    assert values["last(big_same.train_loss)"] > 5 * values["last(small.train_loss)"]


def test_forgetting_loss_over_k_multiplies_the_gradient_by_k() -> None:
    """divide_loss=false: the accumulated gradient is exactly 8x the whole-batch one."""
    _result, run = run_arms("batch-size-scaling", ["accum"], ["accum.divide_loss=false"])
    assert series(run, "accum", "accum_ratio")[-1] == pytest.approx(8.0, rel=1e-4)
    assert series(run, "accum", "accum_err")[-1] > 1e-2
