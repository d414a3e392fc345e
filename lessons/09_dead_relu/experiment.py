"""Dead ReLUs: units that output 0 for every input and never recover.

Each arm trains the same 4-layer ReLU MLP (He init) on standardized digits and
differs in optimizer, learning rate or the hidden biases' starting value.
Every few steps the shared `dead_fractions` probe (the one `dllab diagnose`
uses) runs the whole training set through the net and counts, per hidden
layer, the units that never produced a positive output.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import linear_layers, mlp
from dllab.probes import dead_fractions, snapshot, update_ratios

PROBE_EVERY = 10  # dead-unit census over all 1297 training images: cheap at this size


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits(cfg.inputs, device=cfg.device)
    model = mlp(64, cfg.width, cfg.depth, 10, activation=cfg.activation, init="kaiming")
    with torch.no_grad():
        for layer in linear_layers(model)[:-1]:  # the biases feeding an activation
            layer.bias.fill_(cfg.bias_init)
    model = model.to(cfg.device)
    if cfg.optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    second = linear_layers(model)[1]
    layer2_weight = next(f"{n}.weight" for n, m in model.named_modules() if m is second)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for step in range(cfg.steps):
            metrics: dict[str, float] = {}
            if step % PROBE_EVERY == 0 or step == cfg.steps - 1:
                # 0. census before this step's update: which units are dead on *every* training image?
                dead = dead_fractions(
                    model, data.x_train
                )  # {"1": frac, "3": frac, ...} by Sequential index
                per_layer = {f"dead/L{i + 1}": frac for i, frac in enumerate(dead.values())}
                metrics.update(per_layer)
                metrics["max_dead"] = max(per_layer.values())
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            if not batches:
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            # 1. forward and loss on one minibatch: (B, 64) -> (B, 10)
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            # 2. backward and update: a dead unit's weights get exactly zero gradient
            opt.zero_grad(set_to_none=True)
            loss.backward()
            before = snapshot(model)
            opt.step()
            metrics["loss"] = loss.item()
            # how far this step moved hidden layer 2's weights, relative to their size
            metrics["update_ratio"] = update_ratios(before, model)[layer2_weight]
            yield metrics
