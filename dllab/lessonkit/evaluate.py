"""Evaluation done the right way (the habit diagnose checks for): eval mode, no grad, back to train."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module | None = None
) -> tuple[float, float]:
    """(loss, accuracy) on a whole split, in eval mode; the model goes back to train mode."""
    was_training = model.training
    model.eval()
    logits = model(x)
    loss = (loss_fn or nn.CrossEntropyLoss())(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    model.train(was_training)
    return loss, acc
