"""LR schedules and warmup: the same fragile net under constant, cosine, warmup+cosine, and a mis-stepped StepLR.

A 4-layer ReLU MLP (He init) trained by Adam at a high base LR on the digits.
Every schedule is a `torch.optim.lr_scheduler` object stepped once per batch,
except `step_epoch`, a StepLR meant to be stepped once per epoch; its `per_batch`
twin calls the same scheduler after every batch, the bug. Each step reports the
LR the optimizer used (`param_groups[0]["lr"]`), the loss, and every few steps
the fraction of ReLU units that are dead on all training images (the shared
`dead_fractions` probe, the one `dllab diagnose` uses).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn
from torch.optim import lr_scheduler

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import dead_fractions

PROBE_EVERY = 10  # dead-unit census over all 1297 training images


def _scheduler(cfg, opt: torch.optim.Optimizer, total: int, per_epoch: int):  # type: ignore[no-untyped-def]
    """The schedule as torch objects; the number of `step()` calls each expects is in the comment."""
    if cfg.schedule == "cosine":  # stepped per batch: T_max counts batches
        return lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    if cfg.schedule == "warmup_cosine":  # linear warmup from 1% of lr, then cosine to 0
        warm = max(1, min(cfg.warmup_steps, total - 1))
        return lr_scheduler.SequentialLR(
            opt,
            [
                lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=warm),
                lr_scheduler.CosineAnnealingLR(opt, T_max=total - warm),
            ],
            milestones=[warm],
        )
    if cfg.schedule == "step":  # meant per epoch: step_size counts epochs
        return lr_scheduler.StepLR(opt, step_size=cfg.step_epochs, gamma=0.1)
    return lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(64, 128, 4, 10, activation="relu", init="kaiming").to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    per_epoch = math.ceil(len(data.x_train) / cfg.batch_size)
    total = cfg.epochs * per_epoch
    sched = _scheduler(cfg, opt, total, per_epoch)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    loss_fn = nn.CrossEntropyLoss()
    with single_thread():
        for epoch in range(cfg.epochs):
            for i, idx in enumerate(minibatches(len(data.x_train), cfg.batch_size, shuffle)):
                step = epoch * per_epoch + i
                metrics: dict[str, float] = {"lr": opt.param_groups[0]["lr"]}
                if step % PROBE_EVERY == 0 or step == total - 1:
                    dead = list(dead_fractions(model, data.x_train).values())
                    metrics.update({f"dead/L{k + 1}": d for k, d in enumerate(dead)})
                    metrics["max_dead"] = max(dead)
                idx = idx.to(cfg.device)
                loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                metrics["loss"] = loss.item()
                if cfg.schedule != "step" or cfg.step_every == "batch":
                    sched.step()
                if i == per_epoch - 1:
                    if cfg.schedule == "step" and cfg.step_every == "epoch":
                        sched.step()
                    _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
                yield metrics
