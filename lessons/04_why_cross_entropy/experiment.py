"""Why cross-entropy: logistic regression started in saturation, trained on BCE, on MSE, or on accuracy.

Task: digits "5-9 vs 0-4" (about half each), a single Linear(64, 1) whose output
is the logit z. The bias starts at -5, so every prediction starts confidently
"0-4" and half of them are confidently wrong: exactly where the loss choice matters.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches

EVAL_EVERY = 20  # about one epoch of batch 64
FD_DIRECTIONS = 64  # random directions in weight space for the finite-difference check
FD_EPS = 1e-4  # step along each direction, in float64 (weights are O(0.1) after training)


def loss_fn(kind: str, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The arm's training loss on logits z (B,) and 0/1 targets y (B,)."""
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(z, y)  # gradient wrt z: p - y
    if kind == "mse":
        return ((torch.sigmoid(z) - y) ** 2).mean()  # gradient wrt z: 2 (p - y) p (1 - p)
    # "accuracy": the error rate. `z > 0` is a comparison, so the result has no graph at all
    return ((z > 0).float() != y).float().mean()


@torch.no_grad()
def finite_differences(
    model: nn.Linear, x: torch.Tensor, y: torch.Tensor, gen: torch.Generator
) -> dict[str, float]:
    """Central differences (f(θ+εd) − f(θ−εd)) / 2ε of the error rate and of BCE along random unit d.

    What any optimizer could learn about each function from nearby points, gradient or not:
    the error rate only changes where a prediction flips.
    """
    x, y = x.double(), y.double()
    w, b = model.weight[0].double(), model.bias.double()  # (64,), (1,)
    err_d, bce_d = [], []
    for _ in range(FD_DIRECTIONS):
        d = torch.randn(65, generator=gen, dtype=torch.float64).to(w.device)
        d = d / d.norm()
        dz = x @ d[:64] + d[64]  # how z moves along d: (N,)
        z = x @ w + b
        values = []
        for sign in (1.0, -1.0):
            zs = z + sign * FD_EPS * dz
            values.append(
                (((zs > 0).float() != y).float().mean(), F.binary_cross_entropy_with_logits(zs, y))
            )
        err_d.append(((values[0][0] - values[1][0]) / (2 * FD_EPS)).abs().item())
        bce_d.append(((values[0][1] - values[1][1]) / (2 * FD_EPS)).abs().item())
    return {
        "fd_err": sum(err_d) / len(err_d),  # mean |d error / dθ| along random directions
        "fd_err_nonzero": sum(v > 0 for v in err_d) / len(err_d),  # directions where it is not 0
        "fd_bce": sum(bce_d) / len(bce_d),
        "fd_bce_nonzero": sum(v > 0 for v in bce_d) / len(bce_d),
    }


@torch.no_grad()
def val_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Binary accuracy on the validation split (eval mode, no grad, back to train)."""
    model.eval()
    acc = ((model(x).squeeze(1) > 0).float() == y).float().mean().item()
    model.train()
    return acc


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    y_train = (data.y_train >= 5).float()  # (1297,) 1 for digits 5-9
    y_val = (data.y_val >= 5).float()  # (500,)
    model = nn.Linear(64, 1).to(cfg.device)
    with torch.no_grad():  # start saturated: w = 0, b = init_bias
        model.weight.zero_()
        model.bias.fill_(cfg.init_bias)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    fd_gen = torch.Generator().manual_seed(cfg.seed + 1)
    with single_thread():
        for step in range(cfg.steps):
            if not batches:
                batches = minibatches(len(y_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            # 1. forward: logits z for one minibatch, (B, 64) -> (B, 1) -> (B,)
            z = model(data.x_train[idx]).squeeze(1)
            loss = loss_fn(cfg.loss, z, y_train[idx])
            metrics = {"loss": loss.item(), "has_grad": float(loss.requires_grad)}
            # 2. backward and step, if there is anything to differentiate
            if loss.requires_grad:
                z.retain_grad()  # z is not a leaf: ask autograd to keep its gradient
                opt.zero_grad(set_to_none=True)
                loss.backward()
                # per-example |∂L/∂z| (the mean loss divides by B; undo that)
                metrics["grad_logit"] = (z.grad.abs().mean() * len(idx)).item()
                opt.step()
            else:
                metrics["grad_logit"] = 0.0  # no graph, no gradient: the model cannot move
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                metrics["val_acc"] = val_accuracy(model, data.x_val, y_val)
            if step == 0 or step == cfg.steps - 1:  # before this step's update at step 0: the start
                metrics.update(finite_differences(model, data.x_train, y_train, fd_gen))
            yield metrics
