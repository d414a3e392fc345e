"""Logits, not probabilities: the same MLP with and without a Softmax before CrossEntropyLoss.

`nn.CrossEntropyLoss` applies log_softmax itself. A model that already ends in
`nn.Softmax` hands it probabilities, so softmax runs twice: the "logits" the
loss sees are squashed into [0, 1], the loss cannot fall below
log(1 + (C - 1)/e), and the gradients shrink.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import layer_grad_norms

EVAL_EVERY = 21  # one epoch of batch 64 on 1297 images (~21 batches)


def run(cfg) -> Iterator[dict[str, float]]:
    # --- data: the digits, keeping the classes 0 .. n_classes-1
    data = digits("standardize", device=cfg.device)
    keep_train, keep_val = data.y_train < cfg.n_classes, data.y_val < cfg.n_classes
    x_train, y_train = data.x_train[keep_train], data.y_train[keep_train]
    x_val, y_val = data.x_val[keep_val], data.y_val[keep_val]
    floor = math.log(1 + (cfg.n_classes - 1) / math.e)  # CE of a one-hot *probability* row

    # --- model: an MLP that ends in a Linear (logits), optionally followed by Softmax
    body = mlp(64, 128, 3, cfg.n_classes)  # 64 -> 128 -> 128 -> C
    final = nn.Softmax(dim=1) if cfg.softmax_last else nn.Identity()
    model = nn.Sequential(body, final).to(cfg.device)
    loss_fn = nn.CrossEntropyLoss()  # = log_softmax + NLL: it wants logits
    opt = (
        torch.optim.SGD(model.parameters(), lr=cfg.lr)
        if cfg.optimizer == "sgd"
        else torch.optim.Adam(model.parameters(), lr=cfg.lr)
    )
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    with single_thread():
        for step in range(cfg.steps):
            if not batches:
                batches = minibatches(len(x_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            # 1. forward, keeping the last Linear's output z to measure ∂L/∂z
            z = body(x_train[idx])  # (B, 64) -> (B, C) logits
            z.retain_grad()
            loss = loss_fn(final(z), y_train[idx])  # with Softmax: CE(softmax(z)), softmax twice
            # 2. backward, measure, step
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norms = layer_grad_norms(model)
            metrics = {
                "loss": loss.item(),
                "loss_floor": floor,
                # per-example L1 norm of ∂L/∂z (the mean loss divides by B; undo that)
                "grad_logit": (z.grad.abs().sum(1).mean() * len(idx)).item(),
                "grad_norm_first": next(iter(norms.values())),
            }
            opt.step()
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                # argmax of probabilities == argmax of logits, so accuracy is fair to both arms
                _, metrics["val_acc"] = evaluate(model, x_val, y_val)
            yield metrics
