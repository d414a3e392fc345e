"""Probes compared with brute-force references (cockpit style)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dllab.probes import (
    ActivationStatsProbe,
    DeadUnitProbe,
    activation_stds,
    dead_fractions,
    first_last_ratio,
    in_unit_interval,
    is_log_probability_rows,
    is_probability_rows,
    layer_grad_norms,
    overfitting_onset,
    snapshot,
    total_grad_norm,
    update_ratios,
)
from dllab.probes.grad_norm import grad_and_weight_norms, l2_total, total_weight_norm, weight_layers


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 3))


class TestGradNorm:
    def test_matches_per_layer_norm(self) -> None:
        model = mlp()
        model(torch.randn(16, 6)).pow(2).mean().backward()
        norms = layer_grad_norms(model)
        assert list(norms) == ["0", "2", "4"]
        for name, value in norms.items():
            ref = model.get_submodule(name).weight.grad.norm().item()
            assert value == pytest.approx(ref, rel=1e-6)

    def test_skips_layers_without_grad(self) -> None:
        model = mlp()
        model[0].weight.requires_grad_(False)
        model(torch.randn(4, 6)).sum().backward()
        assert list(layer_grad_norms(model)) == ["2", "4"]
        assert layer_grad_norms(mlp()) == {}

    def test_total_matches_clip_grad_norm(self) -> None:
        model = mlp()
        model(torch.randn(16, 6)).pow(2).mean().backward()
        ref = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf")).item()
        assert total_grad_norm(model.parameters()) == pytest.approx(ref, rel=1e-5)
        assert total_grad_norm([]) == 0.0

    def test_one_pass_matches_the_separate_probes(self) -> None:
        model = mlp()
        model[2].bias.requires_grad_(False)  # a parameter without a gradient: None
        model(torch.randn(16, 6)).pow(2).mean().backward()
        params = list(model.parameters())
        extra = [model[4].weight.grad]
        per_param, extra_norms, weights = grad_and_weight_norms(params, extra)
        assert per_param[3] is None
        for p, value in zip(params, per_param, strict=True):
            if p.grad is not None:
                assert value == pytest.approx(p.grad.norm().item(), rel=1e-6)
        assert extra_norms == [pytest.approx(model[4].weight.grad.norm().item(), rel=1e-6)]
        assert weights == [pytest.approx(p.norm().item(), rel=1e-6) for p in params]
        assert l2_total(per_param) == pytest.approx(total_grad_norm(params), rel=1e-6)
        assert l2_total(weights) == pytest.approx(total_weight_norm(params), rel=1e-6)
        assert [n for n, _ in weight_layers(model)] == ["0", "2", "4"]

    def test_totals_of_huge_and_non_finite_norms(self) -> None:
        # Squares past float64's range are inf, never an OverflowError (math.fsum raises).
        assert l2_total([1e154, 1e154, None]) == math.inf
        assert l2_total([1e300, 3.0]) == math.inf
        assert math.isnan(l2_total([1.0, math.nan]))
        assert l2_total([3.0, 4.0]) == 5.0
        assert l2_total([]) == 0.0
        p = nn.Parameter(torch.ones(3))
        p.grad = torch.tensor([1.0, math.inf, 0.0])
        assert total_grad_norm([p]) == math.inf
        assert grad_and_weight_norms([], []) == ([], [], [])

    def test_first_last_ratio_conventions(self) -> None:
        assert first_last_ratio({"a": 1e-4, "b": 1.0}) == pytest.approx(1e-4)
        assert first_last_ratio({"a": 0.0, "b": 0.0}) == 1.0
        assert first_last_ratio({"a": 1.0, "b": 0.0}) == math.inf
        assert first_last_ratio({"a": 2.0}) == 1.0
        assert math.isnan(first_last_ratio({"a": math.nan, "b": 1.0}))


class TestDeadUnits:
    def test_matches_brute_force(self) -> None:
        model = mlp()
        with torch.no_grad():
            model[0].bias[:3] = -100.0  # three units of the first ReLU can never fire
        xs = [torch.randn(32, 6) for _ in range(3)]
        with DeadUnitProbe(model) as probe:
            for x in xs:
                model(x)
            fractions = probe.fractions()
            assert probe.samples_seen == 96
            assert probe.units() == {"1": 8, "3": 5}
        x = torch.cat(xs)
        h1 = torch.relu(model[0](x))
        h2 = torch.relu(model[2](h1))
        for name, h in (("1", h1), ("3", h2)):
            ref = (h <= 0).all(dim=0).float().mean().item()
            assert fractions[name] == pytest.approx(ref)
        assert fractions["1"] >= 3 / 8
        assert probe.attached == 0

    def test_conv_units_are_channels(self) -> None:
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
        with torch.no_grad():
            model[0].bias[0] = -1e4
        with DeadUnitProbe(model) as probe:
            model(torch.randn(2, 1, 8, 8))
            assert probe.units() == {"1": 4}
            assert probe.fractions()["1"] == pytest.approx(0.25)
            probe.reset()
            assert probe.samples_seen == 0

    def test_conv1d_units_are_channels(self) -> None:
        model = nn.Sequential(nn.Conv1d(2, 4, 3), nn.ReLU())
        with torch.no_grad():
            model[0].bias[1] = -1e4
        with DeadUnitProbe(model) as probe:
            model(torch.randn(5, 2, 16))
            assert probe.units() == {"1": 4}
            assert probe.fractions()["1"] == pytest.approx(0.25)

    def test_convenience_restores_mode(self) -> None:
        model = mlp().eval()
        fractions = dead_fractions(model, torch.randn(8, 6))
        assert set(fractions) == {"1", "3"}
        assert not model.training
        assert not any(m._forward_hooks for m in model.modules())


class TestActivationStats:
    def test_matches_tensor_std(self) -> None:
        model = mlp()
        x1, x2 = torch.randn(10, 6), torch.randn(7, 6)
        with ActivationStatsProbe(model) as probe:
            model(x1)
            model(x2)
            stds, means = probe.stds(), probe.means()
        out = model[0](torch.cat([x1, x2]))
        assert stds["0"] == pytest.approx(out.std(unbiased=False).item(), rel=1e-5)
        assert means["0"] == pytest.approx(out.mean().item(), rel=1e-5, abs=1e-7)
        assert set(activation_stds(model, x1)) == {"0", "1", "2", "3", "4"}


class TestUpdateRatio:
    def test_matches_manual(self) -> None:
        model = mlp()
        before = snapshot(model)
        old = model[0].weight.detach().clone()
        model(torch.randn(8, 6)).sum().backward()
        torch.optim.SGD(model.parameters(), lr=0.1).step()
        ratios = update_ratios(before, model)
        ref = ((model[0].weight - old).norm() / old.norm()).item()
        assert ratios["0.weight"] == pytest.approx(ref, rel=1e-5)
        assert set(ratios) == {n for n, _ in model.named_parameters()}

    def test_half_precision_and_zero_weights(self) -> None:
        model = nn.Linear(4, 3).half()
        with torch.no_grad():
            model.bias.zero_()  # old norm 0: the plain norm of the change
        before = snapshot(model)
        with torch.no_grad():
            model.weight.mul_(1.5)
            model.bias.add_(0.25)
        ratios = update_ratios(before, model)
        assert ratios["weight"] == pytest.approx(0.5, rel=1e-3)
        assert ratios["bias"] == pytest.approx(0.25 * math.sqrt(3), rel=1e-3)
        assert before["weight"].dtype == torch.float16 and not before["weight"].requires_grad

    def test_untouched_is_zero(self) -> None:
        model = mlp()
        assert all(r == 0.0 for r in update_ratios(snapshot(model), model).values())


class TestProbabilityRows:
    def test_softmax_rows(self) -> None:
        logits = torch.randn(5, 10)
        assert is_probability_rows(logits.softmax(1))
        assert not is_probability_rows(logits)
        assert is_probability_rows(torch.randn(2, 3, 4).softmax(1))
        assert not is_probability_rows(torch.randn(2, 3, 4).softmax(2))

    def test_log_probabilities(self) -> None:
        logits = torch.randn(5, 10)
        assert is_log_probability_rows(logits.log_softmax(1))
        assert not is_log_probability_rows(logits)
        assert not is_log_probability_rows(logits.softmax(1))

    def test_unit_interval(self) -> None:
        z = torch.randn(100)
        assert in_unit_interval(torch.sigmoid(z))
        assert not in_unit_interval(z)
        assert not in_unit_interval(torch.tensor([1, 0]))


class TestLossGap:
    def test_sustained_overfitting(self) -> None:
        train = [1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1]
        val = [1.0, 0.9, 0.85, 0.95, 1.1, 1.3, 1.5]
        found = overfitting_onset(train, val)
        assert found is not None
        assert found.best_index == 2
        assert found.onset == 4  # 0.95 is not yet 1.2x the best (0.85)
        assert found.last_val == 1.5

    def test_single_noisy_epoch_is_not_overfitting(self) -> None:
        train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.35]
        val = [1.0, 0.85, 0.7, 0.9, 0.65, 0.6]
        assert overfitting_onset(train, val) is None

    def test_training_loss_on_a_plateau_at_zero_still_overfits(self) -> None:
        train = [0.7, 0.3, 0.05, 0.001, 0.0005, 0.0006, 0.0004, 0.0005]
        val = [0.75, 0.70, 0.72, 0.9, 1.1, 1.25, 1.35, 1.44]
        found = overfitting_onset(train, val)
        assert found is not None
        assert (found.best_index, found.onset, found.last_val) == (1, 3, 1.44)

    def test_validation_loss_that_comes_back_down_is_not_overfitting(self) -> None:
        train = [1.0, 0.8, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.28]
        val = [1.0, 0.8, 0.7, 0.9, 1.0, 1.1, 0.8, 0.68, 0.66]
        assert overfitting_onset(train, val) is None

    def test_rising_training_loss_is_divergence_not_overfitting(self) -> None:
        train = [1.0, 0.5, 0.4, 0.6, 0.9, 1.2, 1.5]
        val = [1.0, 0.6, 0.5, 0.8, 1.1, 1.5, 1.9]
        assert overfitting_onset(train, val) is None

    def test_parallel_curves_are_not_overfitting(self) -> None:
        train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3]
        assert overfitting_onset(train, [t * 1.5 for t in train]) is None


class TestLossGapNoise:
    """A noisy validation loss must rise past its noise; a steady trend is not noise."""

    def test_noise_around_a_flat_level_is_not_overfitting(self) -> None:
        import random

        rng = random.Random(0)
        alarms = 0
        for _ in range(200):
            val = [0.5 * (1 + 0.15 * rng.gauss(0, 1)) for _ in range(40)]
            alarms += overfitting_onset([0.1] * 40, val) is not None
        assert alarms <= 2
        # without the noise term, the same series are called overfitting most of the time
        rng = random.Random(0)
        noisy = [[0.5 * (1 + 0.15 * rng.gauss(0, 1)) for _ in range(40)] for _ in range(200)]
        assert sum(overfitting_onset([0.1] * 40, v, noise=0) is not None for v in noisy) > 100

    def test_a_noisy_rise_is_still_found(self) -> None:
        import random

        rng = random.Random(1)
        val = [(0.5 + max(0, i - 10) * 0.03) * (1 + 0.05 * rng.gauss(0, 1)) for i in range(40)]
        found = overfitting_onset([0.1] * 40, val)
        assert found is not None and found.onset >= 10
