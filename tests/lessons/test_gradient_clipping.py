"""gradient-clipping: a gain-2 tanh RNN goes NaN unclipped (or clipped after step), clip_grad_norm_ tames it."""

from __future__ import annotations

import math

import pytest

from tests.lessons.conftest import claim_values, run_arms, run_lesson

pytestmark = pytest.mark.slow


def series(run, arm: str, metric: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [v for _, v in run.history.series(arm, metric).recent()]


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Measured seed 0 / 1: NaN at step 78 / 127; clipped raw norm up to 159 / 162, MSE 0.39 / 0.59."""
    result, run = run_lesson("gradient-clipping", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["nonfinite_step(none.loss)"] < 300
    assert values["tail_mean(clipped.loss, 50)"] < 0.75
    # the clipped arm's step used min(raw, 1.0): clip_grad_norm_ rescales the whole vector
    raw, used = series(run, "clipped", "grad_norm"), series(run, "clipped", "used_norm")
    assert all(u == pytest.approx(min(r, 1.0), rel=1e-4) for r, u in zip(raw, used, strict=True))
    # clipping after step() is a no-op: the late arm is the unclipped arm, step for step
    assert series(run, "late", "grad_norm")[:50] == series(run, "none", "grad_norm")[:50]
    # the unclipped norm overflowed before the loss did
    grad_step = run.history.series("none", "grad_norm").first_nonfinite_step  # type: ignore[union-attr]
    assert grad_step is not None and grad_step <= values["nonfinite_step(none.loss)"]


@pytest.mark.parametrize("seed", [0, 1])
def test_gain_one_with_big_lr_still_needs_clipping(seed: int) -> None:
    """scale=1 lr=0.2: unclipped NaN at step 36 / 26; clipped finite, MSE 0.40 / 0.42."""
    result, _run = run_lesson("gradient-clipping", ["scale=1", "lr=0.2"], seed=seed)
    values = claim_values(result)
    assert values["nonfinite_step(none.loss)"] < 300
    assert values["finite(clipped.loss)"] == 1.0
    assert values["tail_mean(clipped.loss, 50)"] < 0.75


def test_gain_below_one_does_not_explode() -> None:
    """scale=0.8: the unclipped run stays finite (raw norm < 3) and does not learn (vanishing instead)."""
    _result, run = run_arms("gradient-clipping", ["none"], ["scale=0.8"])
    norms = series(run, "none", "grad_norm")
    assert len(norms) == 300 and all(math.isfinite(n) and n < 10 for n in norms)  # max 2.2
    loss = series(run, "none", "loss")
    assert sum(loss[-50:]) / 50 > 0.7  # measured 0.78
