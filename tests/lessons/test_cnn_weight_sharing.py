"""cnn-weight-sharing: one shared kernel, global max pooling, and digits moved by a pixel."""

from __future__ import annotations

import math

import pytest

from dllab.heatcells import heat_grid
from tests.lessons.conftest import claim_values, prediction_between, run_lesson

pytestmark = pytest.mark.slow


def last(run, arm: str, metric: str) -> float:  # type: ignore[no-untyped-def]
    return float(run.history.last_values(arm)[metric])


@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_pooled_cnn_survives_the_shift(seed: int) -> None:
    """Seeds 0 / 1: moved 1 px, pooled CNN 0.847 / 0.789, MLP 0.469 / 0.462, flat CNN 0.567 / 0.595."""
    result, run = run_lesson("cnn-weight-sharing", seed=seed)
    values = claim_values(result)
    assert result.claim and result.claim["passed"], result.claim
    # parameter counts are arithmetic: (k·k·c_in + 1)·c_out per conv, (n_in + 1)·n_out per Linear
    assert last(run, "mlp", "params/all") == 64 * 128 + 128 + 128 * 10 + 10 == 9610
    assert last(run, "cnn_gmp", "params/all") == 160 + 4640 + 330
    assert last(run, "cnn_flat", "params/layer3") == 32 * 4 * 4 * 10 + 10
    # the text: all three end between 0.96 and 0.98 on clean digits; moved, the MLP and the
    # flattening CNN read fewer than 0.6 (the summary: 0.46-0.60)
    for arm in ("mlp", "cnn_gmp", "cnn_flat"):
        assert 0.955 < last(run, arm, "val_acc") < 0.985, arm
    for arm in ("mlp", "cnn_flat"):
        assert 0.45 < last(run, arm, "shift_acc") < 0.6, arm
    # the mechanism: the pooled vector moves about a third as far (0.17 / 0.19 vs ~0.5)
    assert values["last(cnn_gmp.feature_move)"] < 0.3
    assert values["last(mlp.feature_move)"] > 0.4
    # the kernel heat map: each CNN's strongest first-layer kernel as a 3x3 grid, the MLP none
    for arm in ("cnn_gmp", "cnn_flat"):
        grid = heat_grid(run.history.last_values(arm), "kernel/")
        assert [len(row) for row in grid] == [3, 3, 3]
        assert all(math.isfinite(v) for row in grid for v in row)
    assert heat_grid(run.history.last_values("mlp"), "kernel/") == []
    prediction_between(run, "cnn-weight-sharing", "mlp_shift", 0.35, 0.58)
    prediction_between(run, "cnn-weight-sharing", "gmp_params", 5129, 5131)


@pytest.mark.parametrize("seed", [0, 1])
def test_two_pixel_shift_widens_the_contrast(seed: int) -> None:
    """shift=2: pooled CNN 0.679 / 0.586, MLP 0.145 / 0.136, flat CNN 0.118 / 0.155."""
    _result, run = run_lesson("cnn-weight-sharing", ["shift=2"], seed=seed)
    gmp = last(run, "cnn_gmp", "shift_acc")
    assert gmp > 0.45
    assert last(run, "mlp", "shift_acc") < 0.25
    assert last(run, "cnn_flat", "shift_acc") < 0.25
    assert last(run, "cnn_gmp", "val_acc") > 0.9  # training is the same as the default run's


def test_one_pixel_kernel_cannot_see_shape() -> None:
    """kernel=1: global max of a per-pixel function is near chance (0.08 on seed 0)."""
    from tests.lessons.conftest import run_arms

    _result, run = run_arms("cnn-weight-sharing", ["cnn_gmp"], ["kernel=1"])
    assert last(run, "cnn_gmp", "params/all") == 906
    assert last(run, "cnn_gmp", "val_acc") < 0.2
    assert [len(row) for row in heat_grid(run.history.last_values("cnn_gmp"), "kernel/")] == [1]


@pytest.mark.parametrize(
    ("kernel", "gmp_all", "flat_head"),
    [
        # k=4, padding 2: conv 8 -> 9, MaxPool2d(2) 9 -> 4, conv 4 -> 5: head 10·(32·5·5) + 10
        (4, 16 * (16 + 1) + 32 * (16 * 16 + 1) + 330, 10 * 32 * 5 * 5 + 10),
        # k=5, padding 2 keeps 8x8: (k·k·c_in + 1)·c_out per conv
        (5, 16 * (25 + 1) + 32 * (16 * 25 + 1) + 330, 10 * 32 * 4 * 4 + 10),
    ],
)
def test_kernel_knob_parameter_arithmetic(kernel: int, gmp_all: int, flat_head: int) -> None:
    """The questions' output-size arithmetic: kernel=4 gives cnn_flat a 8,010-parameter head,
    kernel=5 gives the pooled CNN 13,578 parameters (more than the MLP's 9,610)."""
    from tests.lessons.conftest import run_arms

    _result, run = run_arms(
        "cnn-weight-sharing", ["cnn_gmp", "cnn_flat"], [f"kernel={kernel}"], steps=1
    )
    assert last(run, "cnn_gmp", "params/all") == gmp_all
    assert last(run, "cnn_flat", "params/layer3") == flat_head
    assert (gmp_all, flat_head) in ((8826, 8010), (13578, 5130))


def test_average_pooling_learns_more_slowly() -> None:
    """pool=avg, seed 0: 0.758 clean after 12 epochs; with lr=0.01 too, 0.888 clean and 0.689 moved."""
    from tests.lessons.conftest import run_arms

    _result, run = run_arms("cnn-weight-sharing", ["cnn_gmp"], ["pool=avg"])
    assert 0.65 < last(run, "cnn_gmp", "val_acc") < 0.85
    _result, run = run_arms("cnn-weight-sharing", ["cnn_gmp"], ["pool=avg", "lr=0.01"])
    assert 0.85 < last(run, "cnn_gmp", "val_acc") < 0.93
    assert 0.6 < last(run, "cnn_gmp", "shift_acc") < 0.78
