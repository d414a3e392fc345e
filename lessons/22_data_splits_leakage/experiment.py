"""Data splits and leakage: K-fold on small data, and choosing the best of many models on a test set.

Two arms, two experiments (the `part` knob):

- kfold: the first `n_small` training digits split into `k` folds; fold i trains
  a fresh 64-64-10 MLP (Adam) on the other k-1 folds and scores the held-out
  fold. Step i reports that fold's accuracy and the running mean and std.
- selection: the 500 validation labels replaced by pure noise (uniform over 10
  classes, so no model can beat 0.10). Step i draws candidate model i (a
  random linear classifier), scores it on a `test_size`-image "test" set,
  keeps the best so far, and scores that best model on the untouched rest of
  the 500 images (the holdout).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.models import mlp


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Eval-mode accuracy without a graph."""
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    model.train()
    return acc


def kfold(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    x, y = data.x_train[: cfg.n_small], data.y_train[: cfg.n_small]
    g = torch.Generator().manual_seed(cfg.seed)
    folds = torch.randperm(len(x), generator=g).chunk(cfg.k)
    scores: list[float] = []
    for i, held in enumerate(folds):
        if i >= cfg.steps:
            return
        train_idx = torch.cat([f for j, f in enumerate(folds) if j != i])
        model = mlp(64, 64, 2, 10).to(cfg.device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(cfg.epochs):
            for b in minibatches(len(train_idx), 32, g):
                idx = train_idx[b].to(cfg.device)
                loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        scores.append(accuracy(model, x[held.to(cfg.device)], y[held.to(cfg.device)]))
        mean = sum(scores) / len(scores)
        std = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1)) if i else 0.0
        yield {"fold_acc": scores[-1], "cv_mean": mean, "cv_std": std}


def selection(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    g = torch.Generator().manual_seed(cfg.seed)
    # pure noise: the label says nothing about the image, so every model's true accuracy is 0.10
    y_val = torch.randint(0, 10, (len(data.x_val),), generator=g).to(cfg.device)
    x_test, y_test = data.x_val[: cfg.test_size], y_val[: cfg.test_size]
    x_hold, y_hold = data.x_val[cfg.test_size :], y_val[cfg.test_size :]
    best_test, best_hold = -1.0, float("nan")
    for _ in range(cfg.steps):
        # candidate model i: a random linear classifier (64 -> 10); on noise labels a trained
        # model is no better, and this one costs nothing to "train"
        w = torch.randn(64, 10, generator=g).to(cfg.device)
        test = (x_test @ w).argmax(1).eq(y_test).float().mean().item()
        if test > best_test:  # model selection on the test set: the mistake
            best_test = test
            best_hold = (x_hold @ w).argmax(1).eq(y_hold).float().mean().item()
        yield {"test_acc": test, "best_test_acc": best_test, "holdout_of_best": best_hold}


def run(cfg) -> Iterator[dict[str, float]]:
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        yield from (kfold(cfg) if cfg.part == "kfold" else selection(cfg))
