"""Input normalization: linear regression on two features of very different scales.

y = 3·x1 + 0.02·x2 + noise, with x1 ~ N(0, 1) and x2 ~ N(0, scale²). Both
features matter equally (each moves y by about 2-3 units), but x2 is `scale`
times bigger. Each arm fits the same data with full-batch SGD; they differ in
how the inputs are rescaled first and in the learning rate.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread

N_POINTS = 1000
TRUE_W = (3.0, 0.02)  # per unit of x1 and of x2 (at scale 100, both give y a spread of 2-3)
NOISE = 0.1  # the loss floor is NOISE² = 0.01
LOSS_CHART_CAP = 1e3


def make_data(scale: float, seed: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 2) inputs with feature stds 1 and `scale`, and (N, 1) targets."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N_POINTS, 2, generator=g) * torch.tensor([1.0, scale])
    # keep the target's size fixed as scale changes: x2's weight is 2/scale
    w = torch.tensor([TRUE_W[0], TRUE_W[1] * 100.0 / scale])
    y = x @ w + NOISE * torch.randn(N_POINTS, generator=g)  # (N, 2) @ (2,) -> (N,)
    return x.to(device), y.unsqueeze(1).to(device)


def rescale(x: torch.Tensor, how: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The rescaled inputs and the per-feature divisor (to map weights back to raw units)."""
    if how == "zscore":
        mean, std = x.mean(0), x.std(0)
        return (x - mean) / std, std
    if how == "minmax":
        lo, hi = x.min(0).values, x.max(0).values
        return (x - lo) / (hi - lo), hi - lo
    return x, torch.ones(x.shape[1], device=x.device)


def run(cfg) -> Iterator[dict[str, float]]:
    x_raw, y = make_data(cfg.scale, cfg.data_seed, cfg.device)
    x, divisor = rescale(x_raw, cfg.normalize)
    # the curvature of the MSE loss in (w1, w2, b) is 2·[x 1]ᵀ[x 1]/N: full-batch SGD is
    # stable only for lr < 2/λmax, and the condition number λmax/λmin says how much slower
    # than that the flattest direction moves
    xb = torch.cat([x, torch.ones(len(x), 1, device=x.device)], dim=1)  # (N, 3): the bias's input
    hessian = 2 * xb.T @ xb / len(x)  # (3, N) @ (N, 3) -> (3, 3)
    eig = torch.linalg.eigvalsh(hessian)
    model = nn.Linear(2, 1).to(cfg.device)
    if cfg.optimizer == "adam":  # per-weight step sizes: undoes the feature scales by itself
        opt: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    with single_thread():  # 1000 x 2 tensors: one thread is faster
        for step in range(cfg.steps):
            # 1. full-batch forward and loss: (N, 2) -> (N, 1)
            loss = nn.functional.mse_loss(model(x), y)
            # 2. backward and update
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            # 3. the learned weights in raw units (undo the rescaling) to compare with 3 and 0.02
            w = (model.weight.detach()[0] / divisor).tolist()
            metrics = {"loss": loss.item(), "w1": w[0], "w2": w[1] * cfg.scale / 100.0}
            # for the chart: a diverging arm reaches 1e30, which would flatten the other curves
            metrics["loss_shown"] = min(metrics["loss"], LOSS_CHART_CAP)
            if step == 0:
                metrics["curvature_ratio"] = (eig.max() / eig.min()).item()
                metrics["lr_limit"] = (2 / eig.max()).item()  # SGD diverges above this lr
            yield metrics
