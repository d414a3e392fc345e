"""Model-only mode: train a user's model briefly on synthetic data (runs in the child only)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dllab.errors import DiagnoseError


def pick_device(device: str) -> torch.device:
    """`auto` means CUDA when available."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def train_synthetic(
    model: object,
    input_shape: Sequence[int],
    classes: int | None,
    max_steps: int,
    device: str = "auto",
    batch: int = 64,
) -> None:
    """A few Adam steps on Gaussian inputs: enough to see gradient flow, dead units and the head.

    With `classes`, targets are random class indices and the loss is cross-entropy
    on the model's output; without, the loss is the mean square of the output.
    """
    if not isinstance(model, nn.Module):
        raise DiagnoseError(f"--model must build an nn.Module, got {type(model).__name__}")
    dev = pick_device(device)
    model.to(dev).train()
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise DiagnoseError("the model has no trainable parameters")
    optimizer = torch.optim.Adam(params, lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(min(max_steps, 40)):
        x = torch.randn(batch, *input_shape, generator=gen).to(dev)
        out = model(x)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if classes:
            if out.dim() < 2 or out.shape[1] != classes:
                raise DiagnoseError(
                    f"the model's output has shape {tuple(out.shape)}, expected (batch, {classes}) for --classes {classes}"
                )
            y = torch.randint(0, classes, (batch,), generator=gen).to(dev)
            loss = F.cross_entropy(out, y)
        else:
            loss = out.float().pow(2).mean()
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
