"""momentum: on f = 0.1·x1² + 2·x2², GD diverges above 2/λmax or crawls; β 0.5 converges, 0.9 overshoots."""

from __future__ import annotations

import itertools

import pytest

from tests.lessons.conftest import claim_values, run_lesson

pytestmark = pytest.mark.slow


def series(run, arm: str, metric: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [v for _, v in run.history.series(arm, metric).recent()]


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_matches_the_algebra(seed: int) -> None:
    """Exact gradients: every seed gives x2 = -2·(-1.4)^20, x1 = -5·0.92^20, f 1.8e-5 and 1.24."""
    result, run = run_lesson("momentum", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["last(gd_fast.x2)"] == pytest.approx(-2 * 1.4**20, rel=1e-9)  # 1673.4
    assert values["last(gd_slow.x1)"] == pytest.approx(-5 * 0.92**20, rel=1e-9)  # -0.943
    assert values["last(momentum.f)"] < 1e-3  # measured 1.8e-5
    assert values["last(heavy.f)"] > 0.1  # measured 1.24
    # along x2 the lr 0.6 GD velocity flips sign and grows 1.4x every step ...
    g2 = series(run, "gd_fast", "v2")[1:]
    assert all(b / a == pytest.approx(-1.4) for a, b in itertools.pairwise(g2))
    # ... while momentum's (the optimizer's momentum buffer) shrinks: 8, 7.2, 2.48, 1.37
    v2 = [abs(v) for v in series(run, "momentum", "v2")[1:5]]
    assert all(b < a for a, b in itertools.pairwise(v2)), v2
    # along x1 momentum's velocity outgrows the gradient, towards g/(1-β) = 2g
    v1, x1 = series(run, "momentum", "v1"), series(run, "momentum", "x1")
    # v1[k] is the velocity of update k, made from the gradient at the point of step k-1
    assert 1.5 < v1[3] / (0.2 * x1[2]) < 2.5  # measured -1.404 / -0.714 = 1.97
    # β = 0.9 keeps pushing after the minimum: x1 > 0 at step 6, yet the next velocity is -2.34
    h1, hx = series(run, "heavy", "v1"), series(run, "heavy", "x1")
    assert hx[6] > 0 and h1[7] < -1


@pytest.mark.parametrize("seed", [0, 1])
def test_noisy_gradients_keep_the_contrast(seed: int) -> None:
    """noise=0.05: momentum still ends far below GD lr 0.4 (0.0016 / 0.0009 vs 0.075 / 0.098)."""
    result, _run = run_lesson("momentum", ["noise=0.05"], seed=seed)
    values = claim_values(result)
    assert abs(values["last(gd_fast.x2)"]) > 300
    assert values["last(momentum.f)"] < 0.1 * values["last(gd_slow.f)"]
    assert values["last(heavy.f)"] > 0.5


def test_gentler_valley_flips_the_fast_arm() -> None:
    """steep=1: λmax = 2, 2/λmax = 1, so GD at lr 0.6 converges (factor -0.2) and beats lr 0.4 along x1."""
    _result, run = run_lesson("momentum", ["steep=1"])
    assert abs(series(run, "gd_fast", "x2")[-1]) < 1e-6
    assert series(run, "gd_fast", "f")[-1] < series(run, "gd_slow", "f")[-1]
    assert series(run, "gd_fast", "x1")[-1] == pytest.approx(-5 * 0.88**20, rel=1e-9)
