"""Learning rate: one net trained at a tiny, a good and a too-large LR, plus an LR range test.

The fixed arms train an MLP on the digits at one LR for `epochs` epochs.
The `finder` arm first runs the LR range test: the LR grows exponentially from
`start_lr` to `end_lr` over `finder_iters` steps, the loss is smoothed with a
bias-corrected EMA (weight 0.98), and the test stops once the smoothed loss
exceeds 4x its best. It then restores the initial weights and trains, like the
other arms, at the suggested LR (the LR of the lowest smoothed loss / 10).
Every arm reports the LR the optimizer actually used at each step
(`param_groups[0]["lr"]`), not the LR it was asked for.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import Split, digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp

SMOOTH = 0.98
"""EMA weight of the range test's smoothed loss (an average over about 1/(1-0.98) = 50 steps)."""
STOP_FACTOR = 4.0
"""The range test stops once the smoothed loss is above 4x its best."""


def _optimizer(name: str, model: nn.Module, lr: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    return torch.optim.SGD(model.parameters(), lr=lr)


class _Batches:
    """Shuffled minibatch indices, epoch after epoch."""

    def __init__(self, n: int, batch_size: int, seed: int) -> None:
        self.n, self.batch_size = n, batch_size
        self.shuffle = torch.Generator().manual_seed(seed)
        self.left: list[torch.Tensor] = []

    def next(self) -> torch.Tensor:
        if not self.left:
            self.left = minibatches(self.n, self.batch_size, self.shuffle)
        return self.left.pop()


def _range_test(
    cfg, model: nn.Module, data: Split, batches: _Batches
) -> Iterator[dict[str, float]]:
    """Yield one dict per range-test step; the last one holds `suggested_lr`."""
    opt = _optimizer(cfg.optimizer, model, cfg.start_lr)
    growth = (cfg.end_lr / cfg.start_lr) ** (1 / max(cfg.finder_iters - 1, 1))
    avg, best, best_lr = 0.0, math.inf, cfg.start_lr
    for step in range(cfg.finder_iters):
        idx = batches.next().to(cfg.device)
        lr_used = opt.param_groups[0]["lr"]
        loss = nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        # bias-corrected EMA, as in Adam: dividing by 1 - 0.98^t undoes the start at 0
        avg = SMOOTH * avg + (1 - SMOOTH) * loss.item()
        smooth = avg / (1 - SMOOTH ** (step + 1))
        if smooth < best:
            best, best_lr = smooth, lr_used
        metrics = {
            "loss": loss.item(),
            "lr": lr_used,
            "log10_lr": math.log10(lr_used),
            "smooth_loss": smooth,
            "min_loss_lr": best_lr,
        }
        if not math.isfinite(smooth) or smooth > STOP_FACTOR * best:
            metrics["stopped_at_lr"] = lr_used
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        for group in opt.param_groups:
            group["lr"] = lr_used * growth
        yield metrics
    metrics["suggested_lr"] = best_lr / 10
    yield metrics


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(64, 128, 3, 10, activation="relu", init="kaiming").to(cfg.device)
    batches = _Batches(len(data.x_train), cfg.batch_size, cfg.seed)
    lr = cfg.lr
    with single_thread():
        if cfg.mode == "finder":
            start = copy.deepcopy(model.state_dict())
            for metrics in _range_test(cfg, model, data, batches):
                lr = metrics.get("suggested_lr", lr)
                yield metrics
            model.load_state_dict(start)  # train from the same initial weights as the other arms
        opt = _optimizer(cfg.optimizer, model, lr)
        steps_per_epoch = math.ceil(len(data.x_train) / cfg.batch_size)
        total = cfg.epochs * steps_per_epoch
        for step in range(total):
            idx = batches.next().to(cfg.device)
            loss = nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
            metrics = {"loss": loss.item(), "lr": opt.param_groups[0]["lr"]}
            if step == 0:  # before any step: the chance-level starting point
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % steps_per_epoch == steps_per_epoch - 1:
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            yield metrics
