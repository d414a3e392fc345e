"""Per-layer activation statistics: mean and standard deviation of outputs.

Watches Linear/Conv/activation modules; the std shrinking or growing layer
after layer is the forward-pass sign of a badly scaled initialization.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dllab.probes._base import HookProbe
from dllab.probes.dead_units import activation_types

if TYPE_CHECKING:
    from torch import Tensor, nn


def watched_types() -> tuple[type[nn.Module], ...]:
    """The module types whose outputs `ActivationStatsProbe` summarises."""
    from torch import nn

    return (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Sigmoid, nn.Tanh, *activation_types())


class ActivationStatsProbe(HookProbe):
    """Running mean and std of each watched layer's outputs over all forwards seen.

    Args:
        model: the model to watch.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self._sums: dict[str, Tensor] = {}
        """name -> tensor([count, sum, sum of squares]) in float64 on the output's device."""
        kinds = watched_types()
        for name, module in model.named_modules():
            if isinstance(module, kinds):
                key = name or type(module).__name__
                self._keep(key, module.register_forward_hook(self._make_hook(key)))

    def _make_hook(self, name: str) -> Any:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            import torch

            if isinstance(output, torch.Tensor) and output.numel() > 0:
                out = output.detach().double()
                stats = torch.stack(
                    [
                        torch.tensor(float(out.numel()), dtype=torch.float64, device=out.device),
                        out.sum(),
                        (out * out).sum(),
                    ]
                )
                prev = self._sums.get(name)
                self._sums[name] = stats if prev is None else prev + stats

        return hook

    def _summary(self) -> dict[str, tuple[float, float]]:
        if not self._sums:
            return {}
        import torch

        names = list(self._sums)
        rows = torch.stack([self._sums[n].cpu() for n in names]).tolist()
        result: dict[str, tuple[float, float]] = {}
        for name, (count, total, squares) in zip(names, rows, strict=True):
            mean = total / count
            var = max(squares / count - mean * mean, 0.0)
            result[name] = (float(mean), float(var**0.5))
        return result

    def means(self) -> dict[str, float]:
        """Output mean per layer."""
        return {n: m for n, (m, _) in self._summary().items()}

    def stds(self) -> dict[str, float]:
        """Output standard deviation per layer."""
        return {n: s for n, (_, s) in self._summary().items()}

    def reset(self) -> None:
        """Forget everything seen so far."""
        self._sums.clear()


def activation_stds(model: nn.Module, inputs: Tensor) -> dict[str, float]:
    """Output std per watched layer over one no-grad forward (training mode restored)."""
    import torch

    training = model.training
    try:
        with ActivationStatsProbe(model) as probe, torch.no_grad():
            model(inputs)
            return probe.stds()
    finally:
        model.train(training)
