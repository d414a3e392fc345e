"""Causes, not symptoms: what a finding says about the run it was measured on."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dllab.diagnose._models import gated_cells, recurrent_radii
from dllab.diagnose.findings import Finding
from tests.diagnose.test_static_and_render import dynamic_report


def test_the_spectral_radius_of_an_rnns_recurrent_weight() -> None:
    rnn = nn.RNN(3, 8, num_layers=2)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(1.3 * torch.eye(8))
        rnn.weight_hh_l1.copy_(0.5 * torch.eye(8))
    model = nn.Sequential()
    model.add_module("rnn", rnn)
    (weight,) = recurrent_radii(model).values()
    assert weight["layer"] == "rnn.weight_hh_l0"
    assert abs(weight["radius"] - 1.3) < 1e-6
    # a rotation has |eigenvalues| 1 whatever its entries
    with torch.no_grad():
        q, _ = torch.linalg.qr(torch.randn(8, 8))
        rnn.weight_hh_l0.copy_(q)
    assert abs(max(w["radius"] for w in recurrent_radii(rnn).values()) - 1.0) < 1e-6
    assert recurrent_radii(nn.LSTM(3, 8)) == {}  # stacked gates: no single matrix


def exploding(
    models_recurrent: list[dict[str, object]],
    clip: bool = False,
    gated: list[dict[str, object]] | None = None,
    weight_norms: list[float] | None = None,
) -> dict[str, Finding]:
    obs: dict[str, object] = {
        "total_norms": [[1, 1.0], [2, 1.0], [3, 1.0], [4, 1.1], [5, 1.0], [6, 50.0], [7, 5e4]],
        "weight_norms": [[s, w] for s, w in enumerate(weight_norms or [10.0] * 7, 1)],
        "optimizers": [{"type": "SGD", "lr": 0.01, "steps": 7, "file": None, "line": None}],
    }
    if clip:
        obs["sites"] = {"clip": [{"file": "s.py", "line": 9, "count": 7}]}
    full = dynamic_report(
        {
            **obs,
            "models": [
                {
                    "name": "Net",
                    "class": "Net",
                    "file": None,
                    "line": None,
                    "layers": ["rnn"],
                    "children": ["rnn"],
                    "mode_modules": [],
                    "recurrent": models_recurrent,
                    "gated": gated or [],
                }
            ],
        }
    )
    return {f.check: f for f in full.findings}


def test_exploding_gradients_name_a_recurrent_radius_above_one() -> None:
    found = exploding([{"layer": "rnn.weight_hh_l0", "radius": 1.2, "time_steps": 30}])
    finding = found["exploding-gradients"]
    assert "spectral radius 1.20 > 1" in finding.evidence
    assert "1.20^30 = 237x" in finding.evidence
    assert "left its range at step 7" in finding.evidence
    assert "rnn.weight_hh_l0" in finding.fix


@pytest.mark.parametrize(
    "cell", [nn.LSTM(3, 8), nn.GRU(3, 8, num_layers=2), nn.LSTMCell(3, 8), nn.GRUCell(3, 8)]
)
def test_gated_cells_get_no_spectral_radius_but_their_init_scale(cell: nn.Module) -> None:
    """Gates bound an LSTM/GRU's per-step gain: a radius of weight_hh says nothing about it."""
    default = {id(cell): 1 / (3 * 8) ** 0.5}
    (found,) = gated_cells(cell).values()
    assert found["default_std"] == pytest.approx(default[id(cell)])
    assert found["std"] == pytest.approx(default[id(cell)], rel=0.5)  # PyTorch's own init
    with torch.no_grad():
        for name, p in cell.named_parameters():
            if "weight" in name:
                p.normal_(0, 1.0)  # square blocks of weight_hh could have any radius now
    assert recurrent_radii(cell) == {}
    (found,) = gated_cells(cell).values()
    assert found["param"].startswith("weight_hh") and found["std"] > 4 * found["default_std"]


LSTM_SANE = {
    "layer": "rnn",
    "type": "LSTM",
    "hidden": 64,
    "param": "rnn.weight_hh_l0",
    "std": 0.07,
    "default_std": 0.072,
    "time_steps": 35,
}


def test_a_gated_net_that_explodes_at_a_high_rate_is_told_to_clip() -> None:
    found = exploding([], gated=[LSTM_SANE], weight_norms=[10.0, 10.0, 11, 12, 15, 30, 80])
    finding = found["exploding-gradients"]
    assert "spectral radius" not in finding.evidence and "init" not in finding.evidence
    assert "the weights' norm grew 8x by then (10 at step 1, 80 at step 7)" in finding.evidence
    assert "no gradient clipping of the LSTM over 35 time steps" in finding.evidence
    assert finding.fix.startswith("Clip with clip_grad_norm_") and "lower SGD's" in finding.fix


def test_a_gated_net_initialized_far_above_the_default_names_its_init() -> None:
    big = {**LSTM_SANE, "type": "GRU", "std": 1.0}
    finding = exploding([], gated=[big])["exploding-gradients"]
    assert "the GRU's weights started at 14x PyTorch's default scale" in finding.evidence
    assert (
        "rnn.weight_hh_l0: std 1" in finding.evidence and "spectral radius" not in finding.evidence
    )
    assert "orthogonal_" in finding.fix
    # it left its range at step 7, not from the first step: the rate stays a suspect
    assert "learning rate" in finding.fix


def test_a_clipped_gated_net_is_not_told_to_clip() -> None:
    finding = exploding([], clip=True, gated=[LSTM_SANE])["exploding-gradients"]
    assert "clip" not in finding.evidence and "clip" not in finding.fix.lower()
    assert "learning rate" in finding.fix


def test_a_contracting_recurrent_weight_is_not_named() -> None:
    found = exploding([{"layer": "rnn.weight_hh_l0", "radius": 0.9, "time_steps": 30}])
    assert "spectral radius" not in found["exploding-gradients"].evidence


def test_clipping_is_not_suggested_to_a_script_that_clips() -> None:
    found = exploding([], clip=True)
    fix = found["exploding-gradients"].fix
    assert "clip" not in fix.lower()
    assert "lr" in fix or "learning rate" in fix


def model(types: list[str]) -> dict[str, object]:
    return {
        "name": "Net",
        "class": "Net",
        "file": None,
        "line": None,
        "layers": ["a", "b", "c"],
        "children": [],
        "mode_modules": [],
        "module_types": types,
    }


def optimizer(kind: str, lr: float, weight_decay: float = 0.0) -> dict[str, object]:
    return {"type": kind, "lr": lr, "weight_decay": weight_decay, "steps": 10}


def fix(obs: dict[str, object], check: str) -> str:
    return next(f.fix for f in dynamic_report(obs).findings if f.check == check)


def test_non_finite_after_an_explosion_points_at_the_explosion() -> None:
    nan = {"nonfinite": {"loss": {"step": 7, "value": "nan"}}}
    after = fix({**nan, "total_norms": [[s, 1.0] for s in range(1, 6)] + [[6, 1e4]]}, "non-finite")
    assert "exploding gradients" in after and "learning rate" not in after
    alone = fix(
        {**nan, "optimizers": [optimizer("Adam", 0.01)], "sites": {"clip": [{"count": 3}]}},
        "non-finite",
    )
    assert "Adam's learning rate from 0.01 to 0.001" in alone
    assert "clip" not in alone.lower()  # it already clips


VANISHING = {"grad_norms": {"Net": {"a": [1e-9] * 5, "b": [1e-4] * 5, "c": [1.0] * 5}}}


def test_vanishing_gradients_fix_fits_the_model_and_optimizer() -> None:
    sigmoid_sgd = fix(
        {
            **VANISHING,
            "models": [model(["Linear", "Sigmoid", "Sequential"])],
            "optimizers": [optimizer("SGD", 0.1)],
        },
        "vanishing-gradients",
    )
    assert "Replace Sigmoid with ReLU/GELU" in sigmoid_sgd
    assert "normalization" in sigmoid_sgd and "Adam" in sigmoid_sgd
    relu_bn_adam = fix(
        {
            **VANISHING,
            "models": [model(["Linear", "ReLU", "BatchNorm1d"])],
            "optimizers": [optimizer("Adam", 1e-3)],
        },
        "vanishing-gradients",
    )
    assert "ReLU" not in relu_bn_adam and "normalization" not in relu_bn_adam
    assert "Adam" not in relu_bn_adam and "residual" in relu_bn_adam


def rising(extra: dict[str, object]) -> str:
    train = [1.0, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05]
    val = [1.0, 0.8, 0.9, 1.0, 1.2, 1.4, 1.5]
    phases = []
    for t, v in zip(train, val, strict=True):
        phases += [
            {"kind": "train", "mean": t, "n": 4, "first_step": 0},
            {"kind": "eval", "mean": v, "n": 1, "first_step": 0},
        ]
    return fix({"phases": phases, **extra}, "overfitting")


def test_overfitting_fix_asks_for_more_of_what_the_run_has() -> None:
    plain = rising({"optimizers": [optimizer("Adam", 1e-3)], "models": [model(["Linear"])]})
    assert "add weight decay" in plain and "add dropout" in plain
    regularized = rising(
        {
            "optimizers": [optimizer("SGD", 0.1, weight_decay=5e-4)],
            "models": [model(["Linear", "Dropout"])],
        }
    )
    assert "raise SGD's weight decay (now 0.0005)" in regularized
    assert "raise the dropout rate" in regularized
    assert "add weight decay" not in regularized and "add dropout" not in regularized


def test_dead_relu_fix_never_adds_batchnorm_to_a_model_that_has_it() -> None:
    dead = {
        "dead_units": {
            "Net": {"a": {"fraction": 0.95, "units": 64, "samples": 512, "type": "ReLU"}}
        }
    }
    with_bn = fix({**dead, "models": [model(["Linear", "ReLU", "BatchNorm1d"])]}, "dead-relu")
    assert "BatchNorm" not in with_bn
    assert "BatchNorm" in fix({**dead, "models": [model(["Linear", "ReLU"])]}, "dead-relu")


def dead_fix(layer: dict[str, object], **extra: object) -> tuple[str, str]:
    dead = {
        "Net": {"act2": {"fraction": 0.95, "units": 64, "samples": 512, "type": "ReLU", **layer}}
    }
    found = next(
        f for f in dynamic_report({"dead_units": dead, **extra}).findings if f.check == "dead-relu"
    )
    return found.evidence, found.fix


def test_dead_relu_fix_fits_the_optimizer_its_rate_and_the_layer() -> None:
    _, adadelta = dead_fix({}, optimizers=[optimizer("Adadelta", 50.0)], models=[model(["ReLU"])])
    assert "Adadelta's lr from 50 to 1 or below" in adadelta
    assert "Adam" not in adadelta.replace("Adadelta", "")
    assert "replace the ReLU act2 with LeakyReLU" in adadelta
    _, adam = dead_fix({}, optimizers=[optimizer("Adam", 1e-3)], models=[model(["ReLU"])])
    assert "from 0.001 to ~0.0001" in adam and "to 0.001" not in adam


def test_dead_relu_never_suggests_he_init_to_a_he_initialized_model() -> None:
    he = {**model(["Linear", "ReLU"]), "init_gain": 1.41}
    _, fix = dead_fix({}, optimizers=[optimizer("SGD", 0.5)], models=[he])
    assert "Kaiming" not in fix and "SGD's learning rate from 0.5" in fix
    default = {**model(["Linear", "ReLU"]), "init_gain": 0.58}
    _, fix = dead_fix({}, optimizers=[optimizer("SGD", 0.5)], models=[default])
    assert "Kaiming (He) init" in fix and "std 0.58/sqrt(fan_in)" in fix


def test_units_dead_before_the_first_step_are_not_blamed_on_the_learning_rate() -> None:
    at_start = {"start_fraction": 1.0, "start_samples": 128}
    evidence, fix = dead_fix(at_start, optimizers=[optimizer("SGD", 0.05)], models=[model([])])
    assert "already 100% dead on the 128 samples before the first optimizer step" in evidence
    assert "learning rate" not in fix and "negative biases" in fix
    died = {"start_fraction": 0.02, "start_samples": 128}
    evidence, fix = dead_fix(died, optimizers=[optimizer("SGD", 0.5)], models=[model([])])
    assert "died during training" in evidence and "SGD's learning rate from 0.5" in fix


def test_non_finite_before_any_update_is_not_blamed_on_the_learning_rate() -> None:
    first = {
        "nonfinite": {"loss": {"step": 0, "value": "inf"}},
        "optimizers": [optimizer("SGD", 0.1)],
    }
    finding = next(f for f in dynamic_report(first).findings if f.check == "non-finite")
    assert "before the first optimizer step" in finding.evidence
    assert "learning rate" not in finding.fix and "clip" not in finding.fix
    assert "Guard log" in finding.fix


def scheduled(steps: int, sched_steps: int, low: int | None) -> list[str]:
    opt = {
        **optimizer("SGD", 0.1),
        "steps": steps,
        "lr_start": 0.1,
        "lr_low_step": low,
        "lr_last": 1e-9,
        "schedulers": [
            {
                "type": "StepLR",
                "steps": sched_steps,
                "file": "s.py",
                "line": 4,
                "step_file": "s.py",
                "step_line": 9,
                "step_size": 30,
                "gamma": 0.1,
            }
        ],
    }
    return [f.check for f in dynamic_report({"optimizers": [opt]}).findings]


def test_an_epoch_schedule_stepped_per_batch() -> None:
    assert scheduled(640, 640, 91) == ["lr-schedule-per-batch"]
    assert scheduled(640, 10, 91) == []  # stepped per epoch: a deliberate fast decay
    assert scheduled(640, 640, 600) == []  # sized in batches: the low comes at the end
    assert scheduled(640, 640, None) == []
    assert scheduled(60, 60, 20) == []  # too short a run to judge a schedule


def test_an_explosion_at_init_names_the_init_only_when_its_scale_is_off() -> None:
    start = {
        "total_norms": [[1, 1e5], [2, float("inf")]],
        "weight_norms": [[1, 10.0], [2, 10.0]],
        "optimizers": [optimizer("SGD", 0.01)],
    }
    std1 = {**model(["Linear", "ReLU"]), "init_gain": 16.0}
    fix_std1 = fix({**start, "models": [std1]}, "exploding-gradients")
    assert "not std=1" in fix_std1 and "normalization" in fix_std1
    he_bn = {**model(["Linear", "ReLU", "LayerNorm"]), "init_gain": 1.41}
    found = next(
        f
        for f in dynamic_report({**start, "models": [he_bn]}).findings
        if f.check == "exploding-gradients"
    )
    assert "std 1.41/sqrt(fan_in), an ordinary scale" in found.evidence
    assert "init" not in found.fix and "normalization" not in found.fix
