"""rnn-vanishing-gates: ‖∂L/∂x_t‖ against t for RNN, LSTM (default / forget bias +2) and GRU."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_arms, run_lesson

pytestmark = pytest.mark.slow


def first(run, arm: str, metric: str) -> float:  # type: ignore[no-untyped-def]
    series = run.history.series(arm, metric)
    assert series is not None and series.first is not None
    return float(series.first[1])


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_forget_bias_opens_the_path(seed: int) -> None:
    """Seeds 0 / 1: init ratio RNN 5.7e-6 / 1.5e-5, LSTM+bias 0.22 / 0.27; LSTM+bias ends at 1.0."""
    result, run = run_lesson("rnn-vanishing-gates", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    # the forget-biased LSTM passes back > 1000x more than the RNN (measured ~4e4 / ~2e4)
    assert values["first(lstm_fb.ratio)"] > 1000 * values["first(rnn.ratio)"]
    # the RNN's gradient falls monotonically with the distance from the readout
    bars = [first(run, "rnn", f"grad/t={t}") for t in (1, 5, 10, 15, 20)]
    assert bars == sorted(bars), bars
    # the heat strip has one cell per position
    assert len([n for n in run.history.names("rnn") if n.startswith("log10grad/")]) == 20
    prediction_between(run, "rnn-vanishing-gates", "rnn_ratio", 1e-6, 1e-4)
    prediction_between(run, "rnn-vanishing-gates", "lstm_fb_ratio", 0.1, 0.5)


def test_the_bias_flips_the_default_lstm() -> None:
    """lstm.forget_bias=2: the default arm gets the highway and solves the task."""
    _result, run = run_arms("rnn-vanishing-gates", ["lstm"], ["lstm.forget_bias=2"])
    assert first(run, "lstm", "ratio") > 0.05
    series = run.history.series("lstm", "val_acc")
    assert series is not None and series.last is not None and series.last[1] > 0.9
