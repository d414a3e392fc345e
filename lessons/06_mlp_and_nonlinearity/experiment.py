"""An MLP as an nn.Module, with and without a nonlinearity, on two concentric rings.

Without an activation, Linear(Linear(Linear(x))) is still one affine map
W x + b: a single straight cut through the plane, which cannot separate a ring
from the disc inside it. With ReLU between the layers, the same three layers
bend the boundary into a closed curve.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import circles
from dllab.lessonkit.evaluate import evaluate
from dllab.lessonkit.models import ACTIVATIONS

EVAL_EVERY = 10
N_PROBE = 21  # points on the x-axis from -3 to 3 where P(outer ring) is shown


class MLP(nn.Module):
    """`depth` Linear layers; `activation` between them ("none" = nothing at all)."""

    def __init__(self, n_in: int, width: int, depth: int, n_out: int, activation: str) -> None:
        super().__init__()
        # __init__ creates the layers (and so registers their parameters) ...
        sizes = [n_in] + [width] * (depth - 1) + [n_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.act = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # ... forward says how data flows through them
        for layer in self.layers[:-1]:
            x = self.act(layer(x))  # (B, in) -> (B, width)
        return self.layers[-1](x)  # (B, width) -> (B, n_out) logits


@torch.no_grad()
def affine_gap(model: nn.Module, a: torch.Tensor, b: torch.Tensor) -> float:
    """max |f(αa + (1-α)b) - (αf(a) + (1-α)f(b))| over random pairs: 0 (to rounding) iff f is affine."""
    model.eval()
    alpha = torch.rand(len(a), 1, device=a.device)  # (N, 1)
    gap = model(alpha * a + (1 - alpha) * b) - (alpha * model(a) + (1 - alpha) * model(b))
    model.train()
    return gap.abs().max().item()


@torch.no_grad()
def best_half_plane_acc(
    x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor
) -> float:
    """Validation accuracy of the best straight cut found on the training set (360 directions).

    For each direction u the points are sorted by u·x; every split point is a candidate
    threshold, with "outer" on either side. What a linear classifier *could* score.
    """
    angles = torch.arange(360, device=x_train.device) * (torch.pi / 360)  # half a turn suffices
    dirs = torch.stack([angles.cos(), angles.sin()], dim=1)  # (D, 2)
    proj = x_train @ dirs.T  # (N, D)
    order = proj.argsort(dim=0)
    ys = y_train[order].float()  # (N, D): labels in order of projection
    n = len(y_train)
    ones_below = torch.cat([torch.zeros(1, len(dirs), device=ys.device), ys.cumsum(0)])  # (N+1, D)
    k = torch.arange(n + 1, device=ys.device).unsqueeze(1).float()  # points below the cut
    total_ones = ys.sum(0)
    # "outer above the cut": correct = zeros below + ones above; the flipped rule is n - that
    correct = (k - ones_below) + (total_ones - ones_below)
    correct = torch.maximum(correct, n - correct)
    flat = int(correct.argmax())
    k_best, d_best = divmod(flat, len(dirs))
    sorted_proj = proj[order[:, d_best], d_best]
    lo = sorted_proj[k_best - 1] if k_best > 0 else sorted_proj[0] - 1
    hi = sorted_proj[k_best] if k_best < n else sorted_proj[-1] + 1
    threshold = (lo + hi) / 2
    above_outer = (
        (k_best - ones_below[k_best, d_best]) + (total_ones[d_best] - ones_below[k_best, d_best])
    ) >= n / 2
    pred = (x_val @ dirs[d_best] > threshold) == above_outer
    return (pred.long() == y_val).float().mean().item()


@torch.no_grad()
def p_outer_along_x(model: nn.Module, device: torch.device) -> list[float]:
    """P(outer ring) at N_PROBE points (x, 0), x from -3 to 3: a slice through the decision regions."""
    model.eval()
    xs = torch.linspace(-3, 3, N_PROBE, device=device)
    points = torch.stack([xs, torch.zeros_like(xs)], dim=1)  # (P, 2)
    probs = torch.softmax(model(points), dim=1)[:, 1]  # (P,)
    model.train()
    return probs.tolist()


def run(cfg) -> Iterator[dict[str, float]]:
    data = circles(
        noise=cfg.noise, seed=cfg.seed, device=cfg.device
    )  # 1000 train / 500 val, (N, 2)
    model = MLP(2, cfg.width, cfg.depth, 2, cfg.activation).to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    # random pairs for the affinity test (fixed for the whole run)
    g = torch.Generator().manual_seed(cfg.seed)
    pair_a = (torch.randn(256, 2, generator=g) * 2).to(cfg.device)
    pair_b = (torch.randn(256, 2, generator=g) * 2).to(cfg.device)
    with single_thread():
        for step in range(cfg.steps):
            # 1. full-batch forward and loss: (1000, 2) -> (1000, 2) logits
            loss = F.cross_entropy(model(data.x_train), data.y_train)
            # 2. backward and step
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            metrics = {"loss": loss.item()}
            if step % EVAL_EVERY == 0 or step == cfg.steps - 1:
                _, metrics["val_acc"] = evaluate(model, data.x_val, data.y_val)
                metrics["affine_gap"] = affine_gap(model, pair_a, pair_b)
            if step == 0:  # what the best straight cut scores: the linear arm's ceiling
                metrics["best_line_acc"] = best_half_plane_acc(
                    data.x_train, data.y_train, data.x_val, data.y_val
                )
            if step == cfg.steps - 1:
                for i, p in enumerate(p_outer_along_x(model, cfg.device)):
                    metrics[f"p_outer/{i}"] = p
            yield metrics
