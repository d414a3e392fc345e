"""Initialization: the same ReLU MLP started from different weight scales.

Each arm builds the same 64-200-200-10 network on digits pixels/16 and only
changes how the Linear weights are drawn. Step 0 records the std of every
layer's output before any training, over all elements (`act_std/`) and across
images (`spread/`, the part that depends on the input: the forward signal); every step records
the loss, and every epoch the validation loss and accuracy and how many different
hidden units the first layer really has (symmetry).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import linear_layers, mlp
from dllab.probes import activation_spreads, activation_stds, distinct_rows

EVAL_EVERY = 21  # about one epoch of 1297 images at batch 64


def layer_output_stds(model: nn.Sequential, x: torch.Tensor) -> dict[str, float]:
    """Std of each hidden activation and of the logits, numbered L1..L<depth>."""
    stds = activation_stds(model, x)  # keyed by Sequential index: "0", "1", ...
    spreads = activation_spreads(model, x)
    # the output of layer i is its activation's output, or the last Linear's (the logits)
    keep = [str(i + 1) for i, m in enumerate(model) if isinstance(m, nn.Linear)][:-1]
    keep.append(str(len(model) - 1))
    out = {f"act_std/L{i + 1}": stds[name] for i, name in enumerate(keep)}
    out.update({f"spread/L{i + 1}": spreads[name] for i, name in enumerate(keep)})
    return out


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("pixels16", device=cfg.device)
    # "normal" draws N(0, std²) with the std knob; the other schemes ignore std
    scheme = f"normal_{cfg.std}" if cfg.init == "normal" else cfg.init
    model = mlp(64, cfg.width, cfg.depth, 10, activation=cfg.activation, init=scheme)
    model = model.to(cfg.device)
    first = linear_layers(model)[0]
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for step in range(cfg.steps):
            metrics: dict[str, float] = {}
            if step == 0:
                # 0. the forward signal at init, layer by layer, on the whole training set
                metrics.update(layer_output_stds(model, data.x_train))
                metrics["width"] = float(cfg.width)  # what "every unit distinct" means
            if not batches:
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            # 1. forward and loss on one minibatch: (B, 64) -> (B, 10)
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            # 2. backward and update
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            metrics["loss"] = loss.item()
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                # 3. validation, and symmetry: distinct rows among the first layer's units
                metrics["val_loss"], metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
                metrics["distinct_units"] = float(distinct_rows(first.weight))
            yield metrics
