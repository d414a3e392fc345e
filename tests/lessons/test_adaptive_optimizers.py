"""adaptive-optimizers: scratch AdaGrad/RMSProp/Adam equal torch.optim to ~1e-7; eps 1e-6 does not."""

from __future__ import annotations

import itertools

import pytest

from tests.lessons.conftest import claim_values, run_arms, run_lesson

pytestmark = pytest.mark.slow


def series(run, arm: str, metric: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [v for _, v in run.history.series(arm, metric).recent()]


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_shows_the_claim(seed: int) -> None:
    """Measured seed 0 / 1: Adam gap 8.9e-8 / 1.2e-7, eps 1e-6 gap 4.0e-4 / 3.2e-3."""
    result, run = run_lesson("adaptive-optimizers", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(adam.param_diff)"] < 1e-6
    assert values["last(adam_notes.param_diff)"] > 100 * values["last(adam.param_diff)"]
    # the first step, in units of lr, is what the update rules say: 1, 10, 1
    assert values["first(rmsprop.step_over_lr)"] == pytest.approx(10, rel=1e-3)
    assert values["first(adam.step_over_lr)"] == pytest.approx(1, rel=1e-3)
    # AdaGrad's accumulator never decreases, RMSProp's leaky average does at some steps
    acc = series(run, "adagrad", "accumulator")
    assert all(b >= a for a, b in itertools.pairwise(acc))
    rms = series(run, "rmsprop", "accumulator")
    assert any(b < a for a, b in itertools.pairwise(rms))
    # so AdaGrad's median effective step falls at every step (2.5 -> 0.51 on seed 0)
    eff = series(run, "adagrad", "eff_lr")
    assert all(b <= a * (1 + 1e-6) for a, b in itertools.pairwise(eff))
    assert eff[-1] < 0.35 * eff[0]


@pytest.mark.parametrize("seed", [0, 1])
def test_bigger_batch_keeps_the_contrast(seed: int) -> None:
    """batch_size=256: still equal to ~1e-7 with torch's eps, far apart with the notes' eps."""
    result, _run = run_lesson("adaptive-optimizers", ["batch_size=256"], seed=seed)
    values = claim_values(result)
    assert values["max(adam.param_diff)"] < 1e-6
    assert values["max(adagrad.param_diff)"] < 2e-6 and values["max(rmsprop.param_diff)"] < 2e-6
    assert values["last(adam_notes.param_diff)"] > 100 * values["last(adam.param_diff)"]


def test_torch_eps_flips_the_notes_arm() -> None:
    """adam_notes.eps=1e-8: the fourth arm is the third again (gap back near 1e-7)."""
    _result, run = run_arms("adaptive-optimizers", ["adam_notes"], ["adam_notes.eps=1e-8"])
    assert max(series(run, "adam_notes", "param_diff")) < 1e-6


def test_no_bias_correction_takes_a_3x_first_step() -> None:
    """Uncorrected Adam: first step (1-β1)/√(1-β2) = 3.16 lr, and it no longer equals torch.optim."""
    _result, run = run_arms("adaptive-optimizers", ["adam"], ["adam.bias_correction=false"])
    assert series(run, "adam", "step_over_lr")[0] == pytest.approx(0.1 / 0.001**0.5, rel=0.02)
    assert max(series(run, "adam", "param_diff")) > 1e-3
