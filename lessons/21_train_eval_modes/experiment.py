"""Train and eval modes: the same BN + Dropout MLP, validated in eval mode or left in train mode.

Both arms train 64-128-BN-ReLU-Dropout-128-BN-ReLU-Dropout-10 on the digits
with Adam, identically. After each epoch (step 0: before training) an arm runs
its validation twice, the way its knobs say: in eval mode (`model.eval()`) or
still in train mode, under `torch.no_grad()` or not. It records both passes'
accuracy and how far their logits differ, how much the two passes moved the
first BatchNorm's running mean, and the bytes autograd saved for a backward
nobody will run. Alongside, `true_val_acc` is the same weights measured the
right way (eval mode, no grad), before the arm's own passes.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import saved_tensor_bytes


def val_batches(n: int, size: int) -> list[slice]:
    """Consecutive slices of `size`; a last slice of one image joins the one before it
    (a train-mode BatchNorm cannot normalize a batch of one)."""
    starts = list(range(0, n, size))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [slice(a, b) for a, b in zip(starts, [*starts[1:], n], strict=True)]


def validate(model: nn.Module, cfg, x: torch.Tensor) -> torch.Tensor:
    """The arm's validation pass: logits of every validation image, batch by batch."""
    model.train(not cfg.eval_mode)
    with torch.set_grad_enabled(not cfg.no_grad):
        logits = torch.cat([model(x[s]) for s in val_batches(len(x), cfg.val_batch)])
    model.train()
    return logits


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(
        64, cfg.width, 3, 10, activation="relu", batchnorm=cfg.batchnorm, dropout=cfg.dropout
    ).to(cfg.device)
    bn = next((m for m in model.modules() if isinstance(m, nn.BatchNorm1d)), None)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for epoch in range(cfg.steps):
            metrics: dict[str, float] = {}
            if epoch > 0:
                # 1. one epoch in train mode; drop a short last batch (BN needs > 1 image)
                model.train()
                for idx in minibatches(len(data.x_train), cfg.batch_size, shuffle):
                    if len(idx) < 2:
                        continue
                    idx = idx.to(cfg.device)
                    loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                metrics["loss"] = loss.item()
            # 2. the truth: these weights in eval mode, no grad (changes nothing in the model)
            metrics["true_val_acc"] = evaluate(model, data.x_val, data.y_val)[1]
            # 3. the arm's own validation, twice, watching BN's running mean and autograd
            before = bn.running_mean.clone() if bn is not None else None
            first, graph_bytes = saved_tensor_bytes(lambda: validate(model, cfg, data.x_val))
            second = validate(model, cfg, data.x_val)
            if bn is not None and before is not None:
                metrics["bn_shift"] = (bn.running_mean - before).abs().max().item()
            metrics.update(
                val_acc=(first.argmax(1) == data.y_val).float().mean().item(),
                val_acc_2=(second.argmax(1) == data.y_val).float().mean().item(),
                val_loss=loss_fn(first, data.y_val).item(),
                pass_diff=(first - second).abs().max().item(),
                graph_kib=graph_bytes / 1024,
                val_requires_grad=float(first.requires_grad),
            )
            yield metrics
