"""Residual connections: a 20-block MLP with and without the skip path.

Both arms build Linear(64, w) -> blocks × [Linear(w, w) + ReLU] -> Linear(w, 10)
with PyTorch's default init. The residual arm computes x + F(x) in every block
instead of F(x). Each step records every Linear layer's weight-gradient norm
(the shared probe, the same code `dllab diagnose` uses) before the update;
step 0 also records δ = ∂L/∂z at every Linear output (`PreactGradProbe`).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import ACTIVATIONS, init_linear
from dllab.probes import PreactGradProbe, first_last_ratio, layer_grad_norms

EVAL_EVERY = 10


class Block(nn.Module):
    """F(x) = act(BN?(W x + b)); the block returns x + F(x) when residual, else F(x)."""

    def __init__(self, width: int, activation: str, residual: bool, batchnorm: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.norm = nn.BatchNorm1d(width) if batchnorm else nn.Identity()
        self.act = ACTIVATIONS[activation]()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.act(self.norm(self.linear(x)))  # (B, w) -> (B, w)
        # the skip path: dy/dx = I + dF/dx, so the gradient always has an identity route back
        return x + f if self.residual else f


def build(cfg) -> nn.Sequential:
    blocks = [
        Block(cfg.width, cfg.activation, cfg.residual, cfg.batchnorm) for _ in range(cfg.blocks)
    ]
    model = nn.Sequential(nn.Linear(64, cfg.width), *blocks, nn.Linear(cfg.width, 10))
    for m in model.modules():
        if isinstance(m, nn.Linear):
            init_linear(m, cfg.init, cfg.activation)
    return model


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = build(cfg).to(cfg.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    deltas = PreactGradProbe(model)
    with single_thread():  # 64-wide layers: one thread is much faster on a busy CPU
        for step in range(cfg.steps):
            if not batches:
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
                batches = [b for b in batches if len(b) > 1]  # BN cannot train on a batch of one
            idx = batches.pop().to(cfg.device)
            # 1. forward and loss on one minibatch: (B, 64) -> (B, 10)
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            # 2. backward, then read every Linear's gradient norm before the step
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norms = {k: v for k, v in layer_grad_norms(model).items() if not k.endswith("norm")}
            metrics = {"loss": loss.item(), "grad_ratio": first_last_ratio(norms)}
            metrics.update({f"grad_norm/L{i + 1}": v for i, v in enumerate(norms.values())})
            if step == 0:
                delta = deltas.norms()
                deltas.close()
                metrics.update({f"delta/L{i + 1}": v for i, v in enumerate(delta.values())})
                metrics["delta_ratio"] = first_last_ratio(delta)
            # 3. update
            opt.step()
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            yield metrics
