"""initialization: std 0.01 stuck at ln 10, std 1 explodes, constant init stays symmetric, He trains."""

from __future__ import annotations

import itertools
import math

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_arms, run_lesson

LN10 = math.log(10)


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Five inits side by side: every contrast of the lesson holds with its measured numbers."""
    result, run = run_lesson("initialization", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert abs(values["max(small.loss)"] - LN10) < 0.03  # measured 2.306
    assert values["first(large.loss)"] > 10 * LN10  # measured ~507
    assert values["max(constant.distinct_units)"] == 1
    assert values["tail_mean(he.loss, 21)"] < 0.5  # measured 0.30
    assert values["last(he.val_acc)"] > 0.9  # measured 0.936
    # the forward signal at init: shrinks ~10x per layer (small), grows ~10x (large), steady (He)
    h = run.history

    def stds(arm: str) -> list[float]:
        return [h.series(arm, f"spread/L{i}").first[1] for i in (1, 2, 3)]  # type: ignore[union-attr]

    small, large, he, constant = stds("small"), stds("large"), stds("he"), stds("constant")
    assert all(b < a / 5 for a, b in itertools.pairwise(small))  # 0.013, 0.0013, 0.00018
    assert all(b > a * 5 for a, b in itertools.pairwise(large))  # 1.3, 13, 185
    assert all(15 < b / a < 25 for a, b in itertools.pairwise(constant))  # x20: 0.22, 4.3, 87
    assert max(he) / min(he) < 3  # 0.23, 0.22, 0.33
    # constant: ln 10 at step 0 (equal logits), then hundreds (max 786 over steps 1-8 at seed 0, 907 at seed 1)
    loss = [v for _, v in h.series("constant", "loss").recent()]  # type: ignore[union-attr]
    assert abs(loss[0] - LN10) < 0.01 and max(loss[1:9]) > 200
    prediction_between(run, "initialization", "small_gain", 0.05, 0.2)  # 0.094 (0.1 by the formula)
    prediction_between(run, "initialization", "constant_units", 0.5, 1.5)


def test_wide_net_every_unit_distinct() -> None:
    """width=512, seed 2: He keeps all 512 units distinct, and every claim holds."""
    result, _ = run_lesson("initialization", ["width=512"], seed=2)
    assert result.claim and result.claim["passed"], result.claim
    assert claim_values(result)["min(he.distinct_units)"] == 512


def test_std_near_he_scale_flips_the_small_arm() -> None:
    """With std 0.1 (≈ √(2/200), He's scale) the 'small' arm leaves ln 10 and learns."""
    _result, run = run_arms("initialization", ["small"], ["small.std=0.1"])
    loss = run.history.series("small", "loss")
    acc = run.history.series("small", "val_acc")
    assert loss is not None and acc is not None
    assert loss.last[1] < 1.0  # measured ~0.43
    assert acc.last[1] > 0.85  # measured 0.922
