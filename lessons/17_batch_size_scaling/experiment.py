"""Batch size and the LR scaling rules, and gradient accumulation, on the digits.

Every arm trains the same MLP (SGD, momentum 0.9) for the same number of
epochs; only the batch size and the LR differ. lr = base_lr × (batch/16) under
the linear rule, base_lr × √(batch/16) under the square-root rule. Each arm
yields once per epoch (step = epoch): the full-training-set loss, validation
accuracy, the LR used and the optimizer steps taken so far. The ragged last
batch of each epoch is dropped, so every batch (and every micro-batch) has
the same size.

The `accum` arm builds each batch of `batch_size` from `accum` micro-batches,
calling backward on each (loss / accum when `divide_loss`), and before every
step compares the accumulated gradient with the gradient of the whole batch
in one backward: `accum_err` is the largest difference, `accum_ratio` the
ratio of their norms.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import total_grad_norm

BASE_BATCH = 16
"""The batch size at which the LR is `base_lr` (the rules scale from here)."""


def scaled_lr(cfg) -> float:
    k = cfg.batch_size / BASE_BATCH
    factor = {"none": 1.0, "linear": k, "sqrt": math.sqrt(k)}[cfg.rule]
    return cfg.base_lr * factor


def _grads(model: nn.Module) -> list[torch.Tensor]:
    return [p.grad.detach().clone() for p in model.parameters() if p.grad is not None]


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(64, 128, 3, 10, activation="relu", init="kaiming").to(cfg.device)
    lr = scaled_lr(cfg)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    steps, seconds = 0, 0.0
    accumulate = cfg.mode == "accum"
    with single_thread():
        for epoch in range(cfg.epochs):
            metrics: dict[str, float] = {"step": epoch}
            errors, ratios = [], []
            start = time.perf_counter()
            for idx in minibatches(len(data.x_train), cfg.batch_size, shuffle):
                if len(idx) < cfg.batch_size:
                    continue  # the ragged last batch: dropped, so all batches are equal
                idx = idx.to(cfg.device)
                x, y = data.x_train[idx], data.y_train[idx]
                opt.zero_grad(set_to_none=True)
                if accumulate:
                    # reference: the whole batch in one backward
                    loss_fn(model(x), y).backward()
                    full = _grads(model)
                    full_norm = total_grad_norm(model.parameters())
                    opt.zero_grad(set_to_none=True)
                    # the same batch as `accum` micro-batches; backward adds into .grad
                    for xs, ys in zip(x.chunk(cfg.accum), y.chunk(cfg.accum), strict=True):
                        loss = loss_fn(model(xs), ys)
                        (loss / cfg.accum if cfg.divide_loss else loss).backward()
                    errors.append(
                        max(
                            (a - b).abs().max().item()
                            for a, b in zip(_grads(model), full, strict=True)
                        )
                    )
                    ratios.append(total_grad_norm(model.parameters()) / full_norm)
                else:
                    loss_fn(model(x), y).backward()
                opt.step()
                steps += 1
            seconds += time.perf_counter() - start
            metrics["train_loss"], _ = evaluate(model, data.x_train, data.y_train, loss_fn)
            _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            metrics.update(lr=opt.param_groups[0]["lr"], steps_taken=steps, train_seconds=seconds)
            if accumulate:
                metrics.update(accum_err=max(errors), accum_ratio=sum(ratios) / len(ratios))
            yield metrics
