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


# the measured table of en.md / zh.md, seed -> (first-batch ppl, then detach / full epoch
# perplexities at epochs 1, 10, 30), and the largest gradient norm and how many exceed 1.0
TABLE = {
    0: (46.7, (33.4, 33.1), (3.87, 3.91), (1.125, 1.112), 0.90, 0),
    1: (44.6, (31.1, 30.9), (3.96, 4.00), (1.123, 1.117), 1.13, 1),
}


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_detach_learns_and_no_detach_fails(seed: int) -> None:
    """Seeds 0 / 1: perplexity 46.7 / 44.6 at batch 1, 1.125 / 1.123 after 30 epochs."""
    result, run = run_lesson(LESSON, seed=seed)
    assert result.claim and result.claim["passed"], result.claim
    got = claim_values(result)
    assert got["last(detach.epoch_ppl)"] < 1.3  # the text says "ends near 1.1"
    first, ep1, ep10, ep30, norm_max, norms_over = TABLE[seed]
    for arm in ("detach", "keep", "full"):
        assert values(run, arm, "ppl")[0] == pytest.approx(first, abs=0.1)
    for i, arm in enumerate(("detach", "full")):
        epochs = values(run, arm, "epoch_ppl")
        assert epochs[0] == pytest.approx(ep1[i], abs=0.1), (arm, epochs[0])
        assert epochs[9] == pytest.approx(ep10[i], abs=0.02), (arm, epochs[9])
        assert epochs[29] == pytest.approx(ep30[i], abs=0.004), (arm, epochs[29])
    # "ends only about 1% lower" (1.1% / 0.5%), for a graph 4.6 times larger
    assert -0.02 < got["last(full.epoch_ppl)"] / got["last(detach.epoch_ppl)"] - 1 < 0
    # the graph sizes the text quotes: 308 flat; 599 for the second no-detach batch
    assert set(values(run, "detach", "nodes")) == {308.0}
    assert values(run, "keep", "nodes") == [308.0, 599.0]
    full = values(run, "full", "nodes")
    assert full[:6] == [308.0, 589.0, 869.0, 1149.0, 1429.0, 308.0]  # grows, resets each epoch
    assert len(values(run, "detach", "epoch_ppl")) == 30  # 5 batches an epoch, 150 steps
    # the text: epoch 10 is below 4.5 for both learning arms, full within 2% of detach at the end
    assert values(run, "detach", "epoch_ppl")[9] < 4.5 and values(run, "full", "epoch_ppl")[9] < 4.5
    assert abs(got["last(full.epoch_ppl)"] / got["last(detach.epoch_ppl)"] - 1) < 0.02
    # clipping at 1.0 acts on no batch of seed 0, one of seed 1 (largest 0.90 / 1.13)
    norms = values(run, "detach", "grad_norm")
    assert len(norms) == 150 and sum(n > 1.0 for n in norms) == norms_over
    assert max(norms) == pytest.approx(norm_max, abs=0.02)
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


@pytest.mark.parametrize(("seed", "detach", "reset"), [(0, 1.125, 1.140), (1, 1.123, 1.155)])
def test_reset_state_ends_a_little_worse(seed: int, detach: float, reset: float) -> None:
    """detach.state=reset: final perplexity 1.140 / 1.155 against detach's 1.125 / 1.123."""
    _result, run = run_arms(LESSON, ["detach"], ["detach.state=reset"], seed=seed)
    final = values(run, "detach", "epoch_ppl")[-1]
    assert final == pytest.approx(reset, abs=0.004)
    assert final > detach + 0.008  # a little worse than carrying the state


@pytest.mark.parametrize(("seed", "final"), [(0, 2.5), (1, 2.6)])
def test_bptt_5_fewer_epochs_higher_perplexity(seed: int, final: float) -> None:
    """bptt=5: 98-node graphs, 21 batches an epoch, 7 epochs in 150 steps, ppl 2.5 / 2.6."""
    _result, run = run_arms(LESSON, ["detach"], ["bptt=5"], seed=seed)
    assert set(values(run, "detach", "nodes")) == {98.0}
    epochs = values(run, "detach", "epoch_ppl")
    assert len(epochs) == 7  # 150 // 21
    assert epochs[-1] == pytest.approx(final, abs=0.07)


def test_the_sample_follows_the_temperature() -> None:
    """Text at the first batch is noise; a cold sample of the trained model repeats the poem."""
    _result, run = run_arms(LESSON, ["detach"], ["temperature=0.1"], steps=100)
    sample = chart_text(run.history, "detach", "sample/")
    assert "better than" in sample
    first = run.history.series("detach", "sample/20")
    assert first is not None and first.first is not None and first.last is not None
    assert first.first[1] != first.last[1]  # the text changed as the model learned


@pytest.mark.parametrize(
    ("bptt", "steps", "detach", "full"), [(5, 21, 98, 1499), (35, 3, 518, 1499), (50, 2, 728, 1429)]
)
def test_the_truncation_length_sets_the_graph_not_the_full_history(
    bptt: int, steps: int, detach: int, full: int
) -> None:
    """The sweep (bptt 5, 35, 50; 20 is the default run): detach's graph 98, 518, 728 nodes;
    the full history's last batch of an epoch reaches 105, 105, 100 characters: 1499, 1499, 1429."""
    _result, run = run_arms(LESSON, ["detach", "full"], [f"bptt={bptt}"], steps=steps)
    assert set(values(run, "detach", "nodes")) == {float(detach)}
    assert max(values(run, "full", "nodes")) == float(full)
