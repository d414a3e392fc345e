"""Batch normalization: the same deep MLP with and without BatchNorm1d.

Each arm trains an 8-layer ReLU MLP (PyTorch's default init) on standardized
digits with SGD + momentum. Step 0 records each hidden layer's output std and
the first/last gradient ratio; at the end, two side checks on a copy of the
model show BatchNorm's batch dependence: the same image in a batch of 4 and a
batch of 64, in train and in eval mode, and a batch of one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import (
    PreactGradProbe,
    activation_spreads,
    activation_stds,
    first_last_ratio,
    layer_grad_norms,
)

EVAL_EVERY = 7


def hidden_stds(model: nn.Sequential, x: torch.Tensor) -> dict[str, float]:
    """Per hidden activation (after BN and ReLU), numbered L1..: std over all elements
    (`act_std/`, a constant offset counts) and spread across images (`spread/`, it does not)."""
    acts = [str(i) for i, m in enumerate(model) if not isinstance(m, (nn.Linear, nn.BatchNorm1d))]
    stds = activation_stds(model, x)  # keyed by Sequential index
    spreads = activation_spreads(model, x)
    out = {f"act_std/L{i + 1}": stds[name] for i, name in enumerate(acts)}
    out.update({f"spread/L{i + 1}": spreads[name] for i, name in enumerate(acts)})
    return out


@torch.no_grad()
def batch_dependence(model: nn.Module, x: torch.Tensor) -> dict[str, float]:
    """How much one image's logits change with its batch-mates, in train and eval mode.

    Runs on a copy: a train-mode forward updates BatchNorm's running statistics.
    """
    probe = copy.deepcopy(model)
    out: dict[str, float] = {}
    for mode in ("train", "eval"):
        probe.train(mode == "train")
        small = probe(x[:4])[0]  # image 0 among 4: (4, 64) -> (4, 10), row 0
        large = probe(x[:64])[0]  # image 0 among 64
        out[f"batch_dep_{mode}"] = (small - large).abs().max().item()
    probe.train()
    try:
        probe(x[:1])  # a batch of one in train mode
        out["batch_of_one_fails"] = 0.0
    except ValueError:  # "Expected more than 1 value per channel when training"
        out["batch_of_one_fails"] = 1.0
    return out


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(64, cfg.width, cfg.depth, 10, activation="relu", batchnorm=cfg.batchnorm)
    model = model.to(cfg.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    deltas = PreactGradProbe(model)  # δ = ∂L/∂z of every Linear, read after step 0's backward
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for step in range(cfg.steps):
            metrics: dict[str, float] = {}
            if step == 0:
                # 0. the forward signal at init, layer by layer (BN: batch statistics of all 1297)
                stds = hidden_stds(model, data.x_train)
                metrics.update(stds)
                top = len(stds) // 2
                metrics["std_last_over_first"] = stds[f"act_std/L{top}"] / stds["act_std/L1"]
                metrics["spread_last_over_first"] = stds[f"spread/L{top}"] / stds["spread/L1"]
            if not batches:
                # drop the last, short batch (DataLoader's drop_last=True): at batch_size=16
                # it would hold 1297 % 16 = 1 image, and BN cannot normalize a batch of one
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
                batches = [b for b in batches if len(b) == cfg.batch_size]
            idx = batches.pop().to(cfg.device)
            # 1. forward and loss on one minibatch: (B, 64) -> (B, 10); BN uses this batch's stats
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            # 2. backward, measure the gradient flow, update
            opt.zero_grad(set_to_none=True)
            loss.backward()
            metrics["grad_ratio"] = first_last_ratio(layer_grad_norms(model))
            if step == 0:
                delta = deltas.norms()
                deltas.close()
                metrics.update({f"delta/L{i + 1}": v for i, v in enumerate(delta.values())})
                metrics["delta_ratio"] = first_last_ratio(delta)
            opt.step()
            metrics["loss"] = loss.item()
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                # 3. validation in eval mode: BN switches to its running statistics
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            if step == cfg.steps - 1:
                metrics.update(batch_dependence(model, data.x_val))
            yield metrics
