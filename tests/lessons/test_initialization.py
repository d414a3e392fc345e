"""initialization: std 0.01 stuck at ln 10, std 1 explodes, constant init stays symmetric, He trains."""

from __future__ import annotations

import itertools
import math

from tests.lessons.conftest import claim_values, run_arms, run_lesson

LN10 = math.log(10)


def test_default_run_shows_the_claim() -> None:
    """Five inits side by side: every contrast of the lesson holds with its measured numbers."""
    result, run = run_lesson("initialization")
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
        return [h.series(arm, f"act_std/L{i}").first[1] for i in (1, 2, 3)]  # type: ignore[union-attr]

    small, large, he = stds("small"), stds("large"), stds("he")
    assert all(b < a / 5 for a, b in itertools.pairwise(small))
    assert all(b > a * 5 for a, b in itertools.pairwise(large))
    assert max(he) / min(he) < 3


def test_std_near_he_scale_flips_the_small_arm() -> None:
    """With std 0.1 (≈ √(2/200), He's scale) the 'small' arm leaves ln 10 and learns."""
    _result, run = run_arms("initialization", ["small"], ["small.std=0.1"])
    loss = run.history.series("small", "loss")
    acc = run.history.series("small", "val_acc")
    assert loss is not None and acc is not None
    assert loss.last[1] < 1.0  # measured ~0.43
    assert acc.last[1] > 0.85  # measured 0.922
