"""Overfitting and capacity: a big and a tiny MLP on a small digits set with noisy labels.

Each arm trains on the first `n_train` training digits, a fraction `label_noise`
of whose labels is replaced by a wrong class (seeded, the same for every arm),
and validates on the 500 clean validation digits. Step k is the model after k
epochs (step 0: before any training). Each step records the train and
validation loss and accuracy on the whole sets (eval mode, no grad), their gap,
the best validation loss so far and its epoch, and how many of the corrupted
training labels the model reproduces: the memorization that makes the
validation loss climb.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches, noisy_labels
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp

NOISE_SEED = 1234  # which labels are corrupted does not depend on the run's seed knob


@torch.no_grad()
def fit_on(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of `x` whose prediction equals the (possibly wrong) label `y` (eval mode)."""
    if len(x) == 0:
        return float("nan")
    was_training = model.training
    model.eval()
    acc = (model(x).argmax(1) == y).float().mean().item()
    model.train(was_training)
    return acc


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    x, y_clean = data.x_train[: cfg.n_train], data.y_train[: cfg.n_train]
    y, flipped = noisy_labels(y_clean, cfg.label_noise, 10, seed=NOISE_SEED)
    model = mlp(64, cfg.width, cfg.depth, 10, activation="relu").to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    best_val, best_epoch = float("inf"), 0
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for epoch in range(cfg.steps):
            if epoch > 0:
                # 1. one epoch of minibatches on the noisy training labels (step 0: untrained)
                for idx in minibatches(len(x), cfg.batch_size, shuffle):
                    idx = idx.to(cfg.device)
                    loss = loss_fn(model(x[idx]), y[idx])  # (B, 64) -> (B, 10)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
            # 2. measure on the whole sets after the epoch, in eval mode
            train_loss, train_acc = evaluate(model, x, y)
            val_loss, val_acc = evaluate(model, data.x_val, data.y_val)
            if val_loss < best_val:
                best_val, best_epoch = val_loss, epoch
            yield {
                "train_loss": train_loss,
                "val_loss": val_loss,
                "train_acc": train_acc,
                "val_acc": val_acc,
                "gap": val_loss - train_loss,
                "best_val_loss": best_val,
                "best_epoch": float(best_epoch),
                "noisy_fit": fit_on(model, x[flipped], y[flipped]),
            }
