"""Regularization: dropout, weight decay and early stopping on the noisy digits of lesson 19.

Every arm trains the same 64-256-256-10 MLP (Adam or AdamW) on the first
`n_train` training digits, a fraction `label_noise` of whose labels is wrong,
and validates on the 500 clean validation digits. Step k is the model after k
epochs (step 0: before training). An arm may add Dropout(p) after each hidden
ReLU, a weight decay, or early stopping: stop once the validation loss has not
improved by `min_delta` for `patience` epochs and restore the best weights.
Every arm's last step also reports the model it would ship (`ship/...`): the
last weights, or for early stopping the restored best ones.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches, noisy_labels
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import weight_norm

NOISE_SEED = 1234  # the same corrupted images as lesson 19, whatever the seed knob


def make_optimizer(cfg, model: nn.Module) -> torch.optim.Optimizer:
    """Adam adds weight_decay·w to the gradient (L2); AdamW shrinks w directly (decoupled)."""
    opt = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    return opt(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    x, y_clean = data.x_train[: cfg.n_train], data.y_train[: cfg.n_train]
    y, flipped = noisy_labels(y_clean, cfg.label_noise, 10, seed=NOISE_SEED)
    model = mlp(64, 256, 3, 10, activation="relu", dropout=cfg.dropout).to(cfg.device)
    opt = make_optimizer(cfg, model)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    best_val, best_epoch, best_state = float("inf"), 0, copy.deepcopy(model.state_dict())
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for epoch in range(cfg.steps):
            metrics: dict[str, float] = {}
            if epoch > 0:
                # 1. one epoch on the noisy labels, in train mode (dropout on)
                total = 0.0
                for idx in minibatches(len(x), cfg.batch_size, shuffle):
                    idx = idx.to(cfg.device)
                    loss = loss_fn(model(x[idx]), y[idx])  # (B, 64) -> (B, 10)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(idx)
                metrics["dropout_train_loss"] = total / len(x)  # what the optimizer saw
            # 2. both sets in eval mode (dropout off): the model as it would be used
            train_loss, train_acc = evaluate(model, x, y)
            val_loss, val_acc = evaluate(model, data.x_val, data.y_val)
            metrics.update(
                train_loss=train_loss,
                val_loss=val_loss,
                train_acc=train_acc,
                val_acc=val_acc,
                gap=val_loss - train_loss,
                noisy_fit=evaluate(model, x[flipped], y[flipped])[1],
                weight_norm=weight_norm(model),
            )
            # 3. early stopping bookkeeping: a new best must beat the old one by min_delta
            if val_loss < best_val - cfg.min_delta:
                best_val, best_epoch = val_loss, epoch
                best_state = copy.deepcopy(model.state_dict())  # a copy, not a live reference
            metrics["best_epoch"] = float(best_epoch)
            stop = cfg.early_stop and epoch - best_epoch >= cfg.patience
            if stop or epoch == cfg.steps - 1:
                if cfg.early_stop:
                    model.load_state_dict(best_state)
                metrics["stopped_epoch"] = float(epoch)
                metrics["ship/val_loss"], metrics["ship/val_acc"] = evaluate(
                    model, data.x_val, data.y_val
                )
            yield metrics
            if stop:
                return
