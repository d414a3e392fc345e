"""rnn-vanishing-gates: ‖∂L/∂x_t‖ against t for RNN, LSTM (default / forget bias +2) and GRU."""

from __future__ import annotations

import importlib.util

import pytest
import torch

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
    # the text's timeline: the RNN at chance until step 120 (0.22 / 0.30), 1.0 by step 180;
    # the forget-biased LSTM above 0.5 by step 60 (0.71 / 0.92)
    val = {arm: dict(run.history.points(arm, "val_acc")) for arm in ("rnn", "lstm_fb")}
    assert val["rnn"][120] < 0.4 and val["rnn"][180] > 0.95
    assert val["lstm_fb"][60] > 0.5
    # once the RNN uses token 1 its ratio grows by orders of magnitude (5.7e-6 -> ~27 on seed 0)
    assert max(v for _, v in run.history.points("rnn", "ratio")) > 1e3 * first(run, "rnn", "ratio")
    prediction_between(run, "rnn-vanishing-gates", "rnn_ratio", 1e-6, 1e-4)
    prediction_between(run, "rnn-vanishing-gates", "lstm_fb_ratio", 0.1, 0.5)


def test_the_bias_flips_the_default_lstm() -> None:
    """lstm.forget_bias=2: the default arm gets the highway and solves the task."""
    _result, run = run_arms("rnn-vanishing-gates", ["lstm"], ["lstm.forget_bias=2"])
    assert first(run, "lstm", "ratio") > 0.05
    series = run.history.series("lstm", "val_acc")
    assert series is not None and series.last is not None and series.last[1] > 0.9


@pytest.mark.parametrize("seed", [0, 1])
def test_thirty_steps_back(seed: int) -> None:
    """seq_len=30: init ratio RNN 2.8e-8, LSTM+bias 0.13 (seed 0); in 300 steps the RNN stays
    at chance to step 200 and the plain LSTM and GRU never leave it (max 0.27-0.30 on seeds
    0/1). The forget-biased LSTM's course differs with the machine's arithmetic (seed 0 touched
    0.44 at step 20 and fell back on one machine, reached 1.0 by step 200 on another), so the
    text says it is not sure and nothing here pins it."""
    _result, run = run_lesson("rnn-vanishing-gates", ["seq_len=30"], seed=seed)
    if seed == 0:
        assert 1e-8 < first(run, "rnn", "ratio") < 1e-7
        assert 0.1 < first(run, "lstm_fb", "ratio") < 0.17
    val = {arm: dict(run.history.points(arm, "val_acc")) for arm in ("rnn", "lstm", "gru")}
    assert max(v for s, v in val["rnn"].items() if s <= 200) < 0.35
    assert max(val["lstm"].values()) < 0.35 and max(val["gru"].values()) < 0.35


def _init_ratio(forget_bias: float, seed: int, cut_h: bool) -> tuple[float, float]:
    """The lesson's LSTM at init, unrolled by hand on the run's first batch: the ratio
    ‖∂L/∂x_1‖ / ‖∂L/∂x_20‖ and the mean forget gate. `cut_h` detaches h where it enters
    the gates, leaving the cell state as the only way back."""
    from dllab.curriculum.loader import load_course

    path = load_course().lesson("rnn-vanishing-gates").experiment_path
    spec = importlib.util.spec_from_file_location("rvg_experiment", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(seed)  # as the engine does before building each arm
    model = module.FirstToken("lstm", 32, forget_bias)
    tokens, y = module.sequences(module.BATCH, 20, torch.Generator().manual_seed(seed))
    lstm = model.rnn
    x = model.emb(tokens).detach().requires_grad_()
    h = c = torch.zeros(len(tokens), 32)
    forget = []
    for t in range(20):
        h_in = h.detach() if cut_h else h
        gates = x[:, t] @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h_in @ lstm.weight_hh_l0.T
        i, f, g, o = (gates + lstm.bias_hh_l0).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        forget.append(f.sigmoid().mean().item())
    loss = torch.nn.functional.cross_entropy(model.head(h), y)
    (grad,) = torch.autograd.grad(loss, x)
    norms = grad.norm(dim=(0, 2))
    return (norms[0] / norms[-1]).item(), sum(forget) / len(forget)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_cell_path_alone_is_about_f_to_the_19th(seed: int) -> None:
    """The Questions' numbers: f ≈ 0.51 / 0.88 at init; the full ratio (1.9e-4 / 9.5e-5 and
    0.22 / 0.27, the run's own) exceeds the cell-only one (2.1e-5 and 0.06) because h feeds the gates."""
    full, f_default = _init_ratio(0.0, seed, cut_h=False)
    cell, _ = _init_ratio(0.0, seed, cut_h=True)
    assert 0.45 < f_default < 0.55
    assert full == pytest.approx((1.9e-4, 9.5e-5)[seed], rel=0.02)
    assert cell == pytest.approx(2.1e-5, rel=0.05) and cell < full / 4
    full_fb, f_fb = _init_ratio(2.0, seed, cut_h=False)
    cell_fb, _ = _init_ratio(2.0, seed, cut_h=True)
    assert 0.86 < f_fb < 0.9
    assert full_fb == pytest.approx((0.22, 0.27)[seed], abs=0.01)
    assert 0.05 < cell_fb < 0.07 and cell_fb < full_fb / 3
