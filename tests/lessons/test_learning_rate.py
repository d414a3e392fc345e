"""learning-rate: 1e-4 crawls, 0.1 learns, 2.0 blows up; the range test suggests a good LR."""

from __future__ import annotations

import itertools
import math

import pytest

from tests.lessons.conftest import claim_values, run_lesson

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Measured seed 0 / 1: tiny tail 3.00 / 2.82 of 3.53 / 3.06; good 0.050 / 0.045; huge NaN / peak 109; suggestion 0.087 / 0.27."""
    result, run = run_lesson("learning-rate", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["tail_mean(tiny.loss, 20)"] > 0.7 * values["first(tiny.loss)"]
    assert values["tail_mean(good.loss, 20)"] < 0.15
    assert values["max(huge.loss)"] > 10 * values["first(huge.loss)"]
    assert 0.02 < values["last(finder.suggested_lr)"] < 0.5
    # the charted LR is the one used: the finder's grows by one constant factor per step ...
    lrs = [v for _, v in run.history.series("finder", "lr").recent()]  # type: ignore[union-attr]
    assert lrs[0] == pytest.approx(1e-6)
    growth = 10 ** (7 / 99)
    ramp = [b / a for a, b in itertools.pairwise(lrs[:21])]
    assert all(r == pytest.approx(growth, rel=1e-6) for r in ramp)
    # ... then stays at the suggestion (the min-loss LR / 10) for all 210 training steps
    suggested = values["last(finder.suggested_lr)"]
    assert lrs[-210:] == [pytest.approx(suggested)] * 210
    min_loss_lr = run.history.series("finder", "min_loss_lr").last[1]  # type: ignore[union-attr]
    assert suggested == pytest.approx(min_loss_lr / 10)
    # the test stopped early, on a smoothed loss > 4x its best, within 100 steps
    assert len(lrs) - 210 < 100
    if seed == 0:  # lr 2.0 overflows to NaN at step 11: the arm ends diverged (`non-finite`)
        step = run.history.series("huge", "loss").first_nonfinite_step  # type: ignore[union-attr]
        assert step is not None and step < 50, step


@pytest.mark.parametrize("seed", [0, 1])
def test_adam_band_is_100x_lower(seed: int) -> None:
    """Adam: the range test suggests ~0.01 (measured 0.0105 both seeds); Adam at 0.1 oscillates."""
    settings = ["optimizer=adam", "tiny.lr=1e-5", "good.lr=1e-3", "huge.lr=0.1"]
    result, run = run_lesson("learning-rate", settings, seed=seed)
    values = claim_values(result)
    assert 2e-3 < values["last(finder.suggested_lr)"] < 5e-2
    assert values["last(finder.val_acc)"] > 0.9  # measured 0.972 / 0.964
    tail_std = {}
    for arm in ("good", "huge"):
        tail = [v for _, v in run.history.series(arm, "loss").recent(20)]  # type: ignore[union-attr]
        mean = sum(tail) / len(tail)
        tail_std[arm] = math.sqrt(sum((v - mean) ** 2 for v in tail) / (len(tail) - 1))
    assert tail_std["huge"] > 10 * tail_std["good"], tail_std  # measured ~0.8 vs ~0.02
    assert values["last(huge.val_acc)"] < values["last(good.val_acc)"] - 0.1  # 0.76 / 0.65 vs 0.95


def test_half_lr_flips_the_huge_arm() -> None:
    """At lr 0.5 the 'too large' arm learns: the edge lies between 0.5 and 2."""
    result, _run = run_lesson("learning-rate", ["huge.lr=0.5"], seed=1)
    values = claim_values(result)
    assert values["last(huge.val_acc)"] > 0.9  # measured 0.976
    assert values["max(huge.loss)"] < 2 * values["first(huge.loss)"]
