"""Per-layer pre-activation gradient ∂L/∂z: backprop's δ, layer by layer.

The weight gradient of a layer is δᵀ·a (its δ times its input), so a shrinking
weight gradient can come from a vanishing δ or from a vanishing input; this
probe measures δ itself, at the output z = Wa + b of every Linear/Conv layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dllab.probes._base import HookProbe, to_floats

if TYPE_CHECKING:
    from torch import Tensor, nn


def layer_types() -> tuple[type[nn.Module], ...]:
    """The module types whose output gradient `PreactGradProbe` measures."""
    from torch import nn

    return (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


class PreactGradProbe(HookProbe):
    """L2 norm of ∂L/∂z at each Linear/Conv output, filled by the next backward.

    Each forward with grad enabled attaches a tensor hook to the layer's output;
    the backward that follows stores the gradient's norm (on the device, read in
    one sync by `norms()`). Forwards under `no_grad` are ignored.

    Args:
        model: the model to watch.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self._order: list[str] = []
        self._norms: dict[str, Tensor] = {}
        for name, module in model.named_modules():
            if isinstance(module, layer_types()):
                key = name or type(module).__name__
                self._order.append(key)
                self._keep(key, module.register_forward_hook(self._make_hook(key)))

    def _make_hook(self, name: str) -> Any:
        def store(grad: Tensor) -> None:
            import torch

            self._norms[name] = torch.linalg.vector_norm(grad.detach().double())

        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            import torch

            if isinstance(output, torch.Tensor) and output.requires_grad:
                output.register_hook(store)  # type: ignore[no-untyped-call]

        return hook

    def norms(self) -> dict[str, float]:
        """‖∂L/∂z‖ per layer from the last backward, in module order (layers it did not reach are left out)."""
        names = [n for n in self._order if n in self._norms]
        return dict(zip(names, to_floats([self._norms[n] for n in names]), strict=True))

    def clear(self) -> None:
        """Forget the last backward's norms."""
        self._norms.clear()
