"""truncated-bptt-perplexity: a char GRU on the Zen of Python; detach vs no detach vs full history."""

from __future__ import annotations

import pytest

from dllab.charts import chart_text
from tests.lessons.conftest import claim_values, prediction_between, run_arms, run_lesson

pytestmark = pytest.mark.slow

LESSON = "truncated-bptt-perplexity"


def values(run, arm: str, metric: str) -> list[float]:  # type: ignore[no-untyped-def]
    series = run.history.series(arm, metric)
    assert series is not None
    return [v for _, v in series.recent()]


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_detach_learns_and_no_detach_fails(seed: int) -> None:
    """Seeds 0 / 1: perplexity 46.7 / 44.6 at batch 1, 1.125 / 1.123 after 30 epochs."""
    result, run = run_lesson(LESSON, seed=seed)
    assert result.claim and result.claim["passed"], result.claim
    got = claim_values(result)
    assert got["last(detach.epoch_ppl)"] < 1.3  # the text says "ends near 1.1"
    # the graph sizes the text quotes: 308 flat; 599 for the second no-detach batch
    assert set(values(run, "detach", "nodes")) == {308.0}
    assert values(run, "keep", "nodes") == [308.0, 599.0]
    full = values(run, "full", "nodes")
    assert full[:6] == [308.0, 589.0, 869.0, 1149.0, 1429.0, 308.0]  # grows, resets each epoch
    assert len(values(run, "detach", "epoch_ppl")) == 30  # 5 batches an epoch, 150 steps
    # the text: epoch 10 is below 4.5 for both learning arms, full within 2% of detach at the end
    assert values(run, "detach", "epoch_ppl")[9] < 4.5 and values(run, "full", "epoch_ppl")[9] < 4.5
    assert abs(got["last(full.epoch_ppl)"] / got["last(detach.epoch_ppl)"] - 1) < 0.02
    # clipping at 1.0 acts on at most one batch of 150 (norms below 1.2)
    norms = values(run, "detach", "grad_norm")
    assert sum(n > 1.0 for n in norms) <= 1 and max(norms) < 1.2
    # the sample the learner sees: pieces of the poem after training; the error for no detach
    sample = chart_text(run.history, "detach", "sample/")
    assert sample.startswith("Beautiful is") and "better than" in sample[12:]
    assert len(sample) == 12 + 60  # two lines of 36 at 80x24
    error = chart_text(run.history, "keep", "sample/")
    assert error.startswith("RuntimeError: Trying to backward through the graph a second time")
    prediction_between(run, LESSON, "ppl_start", 40, 50)
    prediction_between(run, LESSON, "full_nodes", 4.5, 4.7)


def test_four_streams_the_claim_still_holds() -> None:
    """streams=4: 10 batches an epoch, the full-history graph 9x, the claim holds unchanged."""
    result, run = run_lesson(LESSON, ["streams=4"])
    assert result.claim and result.claim["passed"], result.claim
    assert max(values(run, "full", "nodes")) > 9 * max(values(run, "detach", "nodes"))


def test_retain_graph_changes_the_error_not_the_outcome() -> None:
    """keep.retain_graph=true: the second backward fails on the weights step() changed in place."""
    _result, run = run_arms(LESSON, ["keep"], ["keep.retain_graph=true"])
    assert values(run, "keep", "backward_error") == [2.0]
    assert "modified by an inplace operation" in chart_text(run.history, "keep", "sample/")


def test_the_sample_follows_the_temperature() -> None:
    """Text at the first batch is noise; a cold sample of the trained model repeats the poem."""
    _result, run = run_arms(LESSON, ["detach"], ["temperature=0.1"], steps=100)
    sample = chart_text(run.history, "detach", "sample/")
    assert "better than" in sample
    first = run.history.series("detach", "sample/20")
    assert first is not None and first.first is not None and first.last is not None
    assert first.first[1] != first.last[1]  # the text changed as the model learned


def test_the_truncation_length_sets_the_graph_not_the_full_history() -> None:
    """bptt=50 (the sweep's end): detach's graph 728 nodes, the full history's still 1429."""
    _result, run = run_arms(LESSON, ["detach", "full"], ["bptt=50"], steps=10)
    assert set(values(run, "detach", "nodes")) == {728.0}
    assert max(values(run, "full", "nodes")) == 1429.0  # 2 batches of 50: the row's 100 characters
