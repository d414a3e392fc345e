"""The pre-activation gradient and activation-spread probes against brute-force references."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dllab.probes import PreactGradProbe, activation_spreads, activation_stds


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 5), nn.Tanh(), nn.Linear(5, 3))


class TestPreactGrad:
    def test_matches_retained_gradients(self) -> None:
        """The norm per layer equals ‖∂L/∂z‖ from retain_grad on each Linear output."""
        model, x = mlp(), torch.randn(16, 6)
        with PreactGradProbe(model) as probe:
            z1 = model[0](x)
            z1.retain_grad()
            z2 = model[2](model[1](z1))
            z2.retain_grad()
            z3 = model[4](model[3](z2))
            z3.retain_grad()
            z3.pow(2).mean().backward()
            norms = probe.norms()
        assert list(norms) == ["0", "2", "4"]
        for name, z in zip(norms, (z1, z2, z3), strict=True):
            assert z.grad is not None
            assert norms[name] == pytest.approx(z.grad.norm().item(), rel=1e-5)

    def test_is_the_delta_rule_not_the_weight_gradient(self) -> None:
        """Zero inputs to the last layer: its weight gradient is 0 but δ is not."""
        model = mlp()
        with torch.no_grad():
            model[2].weight.zero_()
            model[2].bias.zero_()  # tanh(0) = 0 feeds the last Linear
        with PreactGradProbe(model) as probe:
            model(torch.randn(8, 6)).sum().backward()
            norms = probe.norms()
        assert model[4].weight.grad is not None and model[4].weight.grad.abs().max() == 0
        assert norms["4"] == pytest.approx(math.sqrt(8 * 3), rel=1e-6)  # ∂(sum)/∂z = 1 everywhere

    def test_no_grad_forwards_are_ignored_and_hooks_removed(self) -> None:
        model = mlp()
        probe = PreactGradProbe(model)
        assert probe.attached == 3
        with torch.no_grad():
            model(torch.randn(4, 6))
        assert probe.norms() == {}
        probe.close()
        assert probe.attached == 0
        model(torch.randn(4, 6)).sum().backward()
        assert probe.norms() == {}


class TestActivationSpread:
    def test_matches_per_unit_std_across_samples(self) -> None:
        model, x = mlp(), torch.randn(32, 6)
        spreads = activation_spreads(model, x)
        with torch.no_grad():
            h = model[1](model[0](x))
        expected = h.double().std(dim=0, unbiased=False).pow(2).mean().sqrt().item()
        assert spreads["1"] == pytest.approx(expected, rel=1e-5)
        assert list(spreads) == ["0", "1", "2", "3", "4"]

    def test_a_constant_offset_has_no_spread(self) -> None:
        """A layer that outputs its bias whatever the input: std over elements > 0, spread 0."""
        model = mlp()
        with torch.no_grad():
            model[2].weight.zero_()
            model[2].bias.copy_(torch.linspace(-1, 1, 5))
        x = torch.randn(32, 6)
        assert activation_spreads(model, x)["2"] == 0.0
        assert activation_stds(model, x)["2"] > 0.5

    def test_restores_mode_and_leaves_no_hooks(self) -> None:
        model = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.ReLU())
        model.eval()
        activation_spreads(model, torch.randn(8, 6))
        assert not model.training
        assert all(not m._forward_hooks for m in model.modules())
