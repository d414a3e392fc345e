"""Model builders with the activation and init as knobs."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "gelu": nn.GELU,
    "none": nn.Identity,
}
"""Activation name -> module factory."""

INITS = ("default", "xavier", "kaiming", "zeros", "constant", "normal_0.01", "normal_1")
"""Weight-init schemes by name ("default" keeps PyTorch's kaiming_uniform_(a=√5))."""


def init_linear(layer: nn.Linear, scheme: str, activation: str = "relu") -> None:
    """Re-initialise one Linear layer's weight (bias set to 0 unless default).

    PyTorch's default is kaiming_uniform_(a=√5), i.e. U(±1/√fan_in): neither
    Xavier nor He scale (a common misreading, corrected in the init lesson).
    """
    w = layer.weight
    if scheme == "default":
        return
    with torch.no_grad():
        if scheme == "xavier":
            gain = nn.init.calculate_gain(
                "tanh"
                if activation == "tanh"
                else "sigmoid"
                if activation == "sigmoid"
                else "linear"
            )
            nn.init.xavier_uniform_(w, gain=gain)
        elif scheme == "kaiming":
            if activation == "leaky_relu":
                nn.init.kaiming_normal_(w, nonlinearity="leaky_relu")
            else:
                nn.init.kaiming_normal_(w, nonlinearity="relu")
        elif scheme == "zeros":
            w.zero_()
        elif scheme == "constant":
            w.fill_(0.1)
        elif scheme.startswith("normal_"):
            w.normal_(0.0, float(scheme.split("_", 1)[1]))
        else:
            raise ValueError(f"unknown init {scheme!r}")
        if layer.bias is not None:
            layer.bias.zero_()


def mlp(
    n_in: int,
    width: int,
    depth: int,
    n_out: int,
    activation: str = "relu",
    init: str = "default",
    batchnorm: bool = False,
    dropout: float = 0.0,
) -> nn.Sequential:
    """`depth` Linear layers (depth-1 hidden) with an activation between them.

    With `batchnorm`, a BatchNorm1d sits between each hidden Linear and its activation;
    with `dropout` > 0, a Dropout(p) follows each hidden activation.
    """
    if depth < 1:
        raise ValueError("depth must be >= 1")
    layers: list[nn.Module] = []
    sizes = [n_in] + [width] * (depth - 1) + [n_out]
    for i in range(depth):
        linear = nn.Linear(sizes[i], sizes[i + 1])
        init_linear(linear, init, activation)
        layers.append(linear)
        if i < depth - 1:
            if batchnorm:
                layers.append(nn.BatchNorm1d(sizes[i + 1]))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The model's Linear layers in order (for per-layer charts)."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def default_init_std(fan_in: int) -> float:
    """The std of PyTorch's default Linear init: 1/sqrt(3·fan_in)."""
    return 1.0 / math.sqrt(3.0 * fan_in)
