"""Dead units: activation units that never produced a positive output.

A unit is one feature of an activation layer's output (the last dimension of
a `(batch, …, features)` tensor) or, for convolutional outputs `(N, C, H, W…)`,
one channel. 3-D outputs are ambiguous: `(N, T, features)` for sequence models,
`(N, C, L)` after `Conv1d`; `DeadUnitProbe` treats them as channels-first when
the model has a `Conv1d` and no recurrent, attention or embedding layer. A unit
is dead when it never fired (output > 0) on any sample seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dllab.probes._base import HookProbe

if TYPE_CHECKING:
    from torch import Tensor, nn


def activation_types() -> tuple[type[nn.Module], ...]:
    """The module types whose outputs `DeadUnitProbe` watches."""
    from torch import nn

    return (
        nn.ReLU,
        nn.ReLU6,
        nn.LeakyReLU,
        nn.PReLU,
        nn.RReLU,
        nn.GELU,
        nn.ELU,
        nn.SELU,
        nn.CELU,
        nn.SiLU,
        nn.Mish,
        nn.Hardswish,
    )


def fired_units(output: Tensor, conv: bool | None = None) -> tuple[Tensor, int]:
    """Which units fired (> 0) on this output, reduced over every sample axis.

    Args:
        output: an activation output, `(N, features)`, `(N, T, features)` or
            `(N, C, H, W…)`.
        conv: treat dim 1 as channels; by default for tensors of 4 or more dims.

    Returns:
        A bool tensor with one entry per unit, and the number of samples (N).
    """
    out = output.detach()
    if out.dim() <= 1:
        return (out > 0).reshape(-1), 1
    is_conv = out.dim() >= 4 if conv is None else conv
    if is_conv:
        per_channel = out.transpose(0, 1).reshape(out.shape[1], -1)
        return _any_positive(per_channel, dim=1), int(out.shape[0])
    flat = out.reshape(-1, out.shape[-1])
    return _any_positive(flat, dim=0), int(out.shape[0])


def _any_positive(values: Tensor, dim: int) -> Tensor:
    """`(values > 0).any(dim)`, computed as a max: torch's `any` over a bool tensor is
    several times slower on a CPU (63 us against 29 us for 64 x 128), and this runs on
    every watched forward. NaN is mapped below 0 first, so that it counts as not firing
    (as `NaN > 0` does) instead of hiding the other samples in the max."""
    if not values.is_floating_point() or values.shape[dim] == 0:  # a max needs an element
        return (values > 0).any(dim=dim)
    return values.nan_to_num(nan=-1.0).amax(dim=dim) > 0


def _channels_first_3d(model: nn.Module) -> bool:
    from torch import nn

    kinds = [type(m) for m in model.modules()]
    sequence = (
        nn.RNNBase,
        nn.MultiheadAttention,
        nn.TransformerEncoderLayer,
        nn.TransformerDecoderLayer,
        nn.Embedding,
    )
    return any(issubclass(k, nn.Conv1d) for k in kinds) and not any(
        issubclass(k, sequence) for k in kinds
    )


class DeadUnitProbe(HookProbe):
    """Accumulates, per activation layer, the units that ever fired.

    Use as a context manager over a model; every forward while it is open
    counts. `fractions()` gives the share of units that never fired.

    Args:
        model: the model whose activation modules (see `activation_types`) are
            hooked; None for a probe fed only through `observe()` (functional calls).
        attach: False to attach nothing to the model and be fed through
            `observe_module()` instead (by a global hook: `dllab diagnose` must leave
            the user's modules exactly as they were, picklable).
    """

    def __init__(self, model: nn.Module | None = None, *, attach: bool = True) -> None:
        super().__init__()
        self._fired: dict[str, Tensor] = {}
        self._samples: dict[str, int] = {}
        self._conv1d = model is not None and _channels_first_3d(model)
        """3-D outputs are (N, C, L): units are channels."""
        kinds = activation_types()
        self.layers: dict[int, str] = {
            id(module): name or type(module).__name__
            for name, module in (model.named_modules() if model is not None else ())
            if isinstance(module, kinds)
        }
        """id(activation module) -> the layer name its outputs are counted under."""
        if attach and model is not None:
            for module in model.modules():
                name = self.layers.get(id(module))
                if name is not None:
                    self._keep(name, module.register_forward_hook(self._make_hook(name)))

    def observe_module(self, module: nn.Module, output: Any) -> None:
        """Count `output` if `module` is one of the model's activation layers."""
        import torch

        name = self.layers.get(id(module))
        if name is not None and isinstance(output, torch.Tensor) and output.numel() > 0:
            self.observe(name, output)

    def _make_hook(self, name: str) -> Any:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            import torch

            if isinstance(output, torch.Tensor) and output.numel() > 0:
                self.observe(name, output)

        return hook

    def observe(self, name: str, output: Tensor) -> None:
        """Count one activation output for layer `name` (also used for functional calls)."""
        fired, samples = fired_units(
            output, conv=True if self._conv1d and output.dim() == 3 else None
        )
        seen = self._fired.get(name)
        if seen is None or seen.shape != fired.shape:
            self._fired[name] = fired
        else:
            self._fired[name] = seen | fired
        self._samples[name] = self._samples.get(name, 0) + samples

    def layer_samples(self, module: nn.Module) -> int:
        """Samples seen since the last reset by `module`'s layer (0 if it is not watched)."""
        name = self.layers.get(id(module))
        return self._samples.get(name, 0) if name is not None else 0

    @property
    def samples_seen(self) -> int:
        """The most samples any watched layer has seen since the last reset."""
        return max(self._samples.values(), default=0)

    def samples(self) -> dict[str, int]:
        """Samples seen per layer."""
        return dict(self._samples)

    def units(self) -> dict[str, int]:
        """Number of units per layer seen so far."""
        return {name: int(fired.numel()) for name, fired in self._fired.items()}

    def fractions(self) -> dict[str, float]:
        """Fraction of units per layer that never fired (one device sync)."""
        if not self._fired:
            return {}
        import torch

        names = list(self._fired)
        dead = torch.stack([(~self._fired[n]).float().mean() for n in names]).cpu().tolist()
        return {n: float(d) for n, d in zip(names, dead, strict=True)}

    def reset(self) -> None:
        """Forget everything seen so far (hooks stay attached)."""
        self._fired.clear()
        self._samples.clear()


def dead_fractions(model: nn.Module, inputs: Tensor) -> dict[str, float]:
    """Dead-unit fraction per activation layer over one no-grad forward of `inputs`.

    The model's training mode is left as it was (the forward runs in it).
    """
    import torch

    training = model.training
    try:
        with DeadUnitProbe(model) as probe, torch.no_grad():
            model(inputs)
            return probe.fractions()
    finally:
        model.train(training)
