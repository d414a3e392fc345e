"""dead-relu: Adam lr 0.05 and biases at −3 kill ReLU units; Adam lr 1e-3 keeps them; the bug hunt."""

from __future__ import annotations

from tests.lessons.conftest import claim_values, run_arms, run_lesson


def test_default_run_shows_the_claim() -> None:
    """Adam 1e-3 ≤ 10% dead and learns; Adam 0.05 > 50% of a layer dead; biases −3 dead from step 0."""
    result, run = run_lesson("dead-relu")
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    assert values["max(calm.max_dead)"] < 0.1  # measured 0.023
    assert values["last(hot.max_dead)"] > 0.5  # measured 0.86 (layer 2)
    assert values["first(negbias.max_dead)"] > 0.5  # measured 0.60 (layer 3, before any step)
    assert values["last(negbias.val_acc)"] < 0.3  # measured 0.11
    assert values["last(calm.val_acc)"] > 0.9  # measured 0.96
    # the bars: Adam 0.05 kills layer 2 specifically, layer 1 stays alive
    layer = run.history.series("hot", "dead/L2")
    assert layer is not None and layer.last[1] > 0.5


def test_milder_negative_bias_flips_the_negbias_arm() -> None:
    """Biases at −1 instead of −3: almost no dead units, and the arm learns."""
    _, run = run_arms("dead-relu", ["negbias"], ["negbias.bias_init=-1"])
    dead = run.history.series("negbias", "max_dead")
    acc = run.history.series("negbias", "val_acc")
    assert dead is not None and acc is not None
    assert dead.last[1] < 0.1  # measured 0.008
    assert acc.last[1] > 0.9  # measured 0.962
