"""attention: at T = 50 the GRU's last state fails, attention reaches position 1 directly."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_arms, run_lesson

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_attention_reaches_the_first_token(seed: int) -> None:
    """Seeds 0 / 1: GRU best 0.32 / 0.27; attention 1.0 with weight 0.71 / 0.79 on position 1."""
    result, run = run_lesson("attention", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    # the weights of each attention model are a distribution over the 50 positions
    for arm in ("gru_attn", "attn", "attn_nopos"):
        last = run.history.last_values(arm)
        cells = [v for n, v in last.items() if n.startswith("attn/")]
        assert len(cells) == 50
        assert sum(cells) == pytest.approx(1.0, abs=1e-4)
    # without positions the weights are flat: about 1/50 each
    assert abs(values["last(attn_nopos.attn_first)"] - 0.02) < 0.01
    prediction_between(run, "attention", "nopos_acc", 0.2, 0.4)


def test_positions_flip_the_blind_arm() -> None:
    """attn_nopos.posenc=true: the same seed, now with positions, solves the task."""
    _result, run = run_arms("attention", ["attn_nopos"], ["attn_nopos.posenc=true"])
    last = run.history.last_values("attn_nopos")
    assert last["val_acc"] > 0.9
    assert last["attn_first"] > 0.4
