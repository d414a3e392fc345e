"""Vanishing gradients: the same deep MLP with sigmoid vs ReLU, per-layer gradient norms.

Each step: one minibatch of digits, backward, then read every Linear layer's
weight-gradient norm (the shared `layer_grad_norms` probe — the same code
`dllab diagnose` uses) before the optimizer step. Step 0 also records the two
quantities the weight gradient is made of (∂L/∂W = δᵀ·a): each layer's δ = ∂L/∂z
(`PreactGradProbe`) and how much each hidden layer's output varies across
images (`activation_spreads`).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import mlp
from dllab.probes import PreactGradProbe, activation_spreads, first_last_ratio, layer_grad_norms

EVAL_EVERY = 10  # validation pass every 10 steps: cheap on 500 images


def step0_mechanism(
    model: nn.Sequential, delta: dict[str, float], x: torch.Tensor
) -> dict[str, float]:
    """δ per layer, the δ first/last ratio and the spread across images of each activation."""
    out = {f"delta/L{i + 1}": v for i, v in enumerate(delta.values())}
    values = list(delta.values())
    out["delta_ratio"] = values[0] / values[-1] if values[-1] > 0 else float("inf")
    acts = {
        n: v
        for n, v in activation_spreads(model, x).items()
        if not isinstance(model[int(n)], nn.Linear)
    }
    out.update(
        {f"spread/L{i + 1}": v for i, v in enumerate(acts.values())}
    )  # hidden layers 1..depth-1
    spreads = list(acts.values())
    out["spread_ratio"] = spreads[-1] / spreads[0]  # top hidden layer vs first
    return out


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    model = mlp(64, cfg.width, cfg.depth, 10, activation=cfg.activation, init=cfg.init)
    model = model.to(cfg.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batches: list[torch.Tensor] = []
    shuffle = torch.Generator().manual_seed(cfg.seed)
    deltas = PreactGradProbe(model)
    with single_thread(), deltas:  # 100-wide layers: one thread is much faster on a busy CPU
        for step in range(cfg.steps):
            if not batches:
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            # 1. forward and loss on one minibatch: (B, 64) -> (B, 10)
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            # 2. backward, then measure before the step changes anything
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norms = layer_grad_norms(model)
            metrics = {"loss": loss.item(), "grad_ratio": first_last_ratio(norms)}
            # layer names in a Sequential are indices ("0", "2", ...): number them 1..depth instead
            metrics.update({f"grad_norm/L{i + 1}": v for i, v in enumerate(norms.values())})
            if step == 0:
                metrics.update(step0_mechanism(model, deltas.norms(), data.x_val))
                deltas.close()  # only step 0 is charted: no hooks on later steps
            # 3. update
            opt.step()
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
            yield metrics
