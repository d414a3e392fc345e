"""Input-dependent spread of each layer's output: std across samples, not over all elements.

A layer whose output is the same for every input carries no information however
large its values are (a constant bias survives depth; the signal may not).
`activation_stds` mixes both, taking the std over every element; this probe
takes each unit's std across the samples of a batch, then the root mean square
over units, so a constant offset contributes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dllab.probes._base import to_floats
from dllab.probes.activation_stats import watched_types

if TYPE_CHECKING:
    from torch import Tensor, nn


def activation_spreads(
    model: nn.Module, inputs: Tensor, kinds: tuple[type[nn.Module], ...] | None = None
) -> dict[str, float]:
    """Per watched layer: √(mean over units of the variance across samples), one no-grad forward.

    Args:
        model: the model; run as it is (train or eval mode, restored afterwards).
        inputs: a batch (N, ...) with N ≥ 2; dimension 0 indexes the samples.
        kinds: module types to watch (default: Linear/Conv and activations, as
            `activation_stds`).

    Returns:
        Qualified module name -> spread, in forward order.
    """
    import torch

    watched = kinds or watched_types()
    outputs: dict[str, Tensor] = {}

    def make_hook(name: str) -> Any:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor) and output.dim() >= 1 and output.shape[0] > 1:
                flat = output.detach().double().reshape(output.shape[0], -1)  # (N, units)
                outputs[name] = flat.var(dim=0, unbiased=False).mean().sqrt()

        return hook

    handles = [
        module.register_forward_hook(make_hook(name or type(module).__name__))
        for name, module in model.named_modules()
        if isinstance(module, watched)
    ]
    training = model.training
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
        model.train(training)
    names = list(outputs)
    return dict(zip(names, to_floats([outputs[n] for n in names]), strict=True))
