"""Vanishing gradients: the same deep MLP with sigmoid vs ReLU, per-layer gradient norms.

Each step: one minibatch of digits, backward, then read every Linear layer's
weight-gradient norm (the shared `layer_grad_norms` probe — the same code
`dllab diagnose` uses) before the optimizer step.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import first_last_ratio, layer_grad_norms

EVAL_EVERY = 10  # validation pass every 10 steps: cheap on 500 images


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(64, cfg.width, cfg.depth, 10, activation=cfg.activation, init=cfg.init)
    model = model.to(cfg.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batches: list[torch.Tensor] = []
    shuffle = torch.Generator().manual_seed(cfg.seed)
    with single_thread():  # 100-wide layers: one thread is much faster on a busy CPU
        for step in range(cfg.steps):
            if not batches:
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            # 1. forward and loss on one minibatch: (B, 64) -> (B, 10)
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            # 2. backward, then measure before the step changes anything
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norms = layer_grad_norms(model)
            metrics = {"loss": loss.item(), "grad_ratio": first_last_ratio(norms)}
            # layer names in a Sequential are indices ("0", "2", ...): number them 1..depth instead
            metrics.update({f"grad_norm/L{i + 1}": v for i, v in enumerate(norms.values())})
            # 3. update
            opt.step()
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            yield metrics
