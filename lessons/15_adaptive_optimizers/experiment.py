"""AdaGrad, RMSProp and Adam written from scratch, trained next to torch.optim on the same batches.

Each arm builds two copies of one MLP (the same initial weights): one is
trained by a from-scratch update written below, the other by the matching
`torch.optim` class with its default constants. Both see the same minibatch at
every step. The arm reports the largest |θ_scratch − θ_torch| over all weights,
and, from the scratch optimizer's own state, the quantities that *are* the
mechanism: the per-coordinate effective step size lr/(√ŝ + eps), the sum of the
second-moment accumulator, and the size of the step each weight actually took.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.models import mlp

RMSPROP_ALPHA = 0.99
"""torch.optim.RMSprop's default decay of the squared-gradient average."""


class Scratch:
    """One adaptive optimizer, written out; `state` holds s (and m for Adam) per parameter."""

    def __init__(self, params: list[nn.Parameter], cfg) -> None:
        self.params, self.cfg, self.t = params, cfg, 0
        self.s = [torch.zeros_like(p) for p in params]  # running (or summed) squared gradients
        self.m = [torch.zeros_like(p) for p in params]  # Adam's first moment
        self.denom: list[torch.Tensor] = []

    def _sqrt(self, s: torch.Tensor) -> torch.Tensor:
        # torch.optim adds eps outside the square root; the notes (and d2l) put it inside
        return (s + self.cfg.eps).sqrt() if self.cfg.eps_inside else s.sqrt() + self.cfg.eps

    @torch.no_grad()
    def step(self) -> None:
        cfg, self.t = self.cfg, self.t + 1
        self.denom = []
        for p, s, m in zip(self.params, self.s, self.m, strict=True):
            g = p.grad
            assert g is not None
            if cfg.optimizer == "adagrad":
                s += g * g  # a sum: it only grows, so lr / sqrt(s) only shrinks
                denom = self._sqrt(s)
                p -= cfg.lr * g / denom
            elif cfg.optimizer == "rmsprop":
                s.mul_(RMSPROP_ALPHA).add_((1 - RMSPROP_ALPHA) * g * g)  # a leaky average
                denom = self._sqrt(s)
                p -= cfg.lr * g / denom
            else:  # adam
                m.mul_(cfg.beta1).add_((1 - cfg.beta1) * g)
                s.mul_(cfg.beta2).add_((1 - cfg.beta2) * g * g)
                # bias correction: m and s start at 0, so early averages are too small by
                # a factor 1 - beta^t; dividing it out makes step 1 use m̂ = g, ŝ = g²
                c1 = 1 - cfg.beta1**self.t if cfg.bias_correction else 1.0
                c2 = 1 - cfg.beta2**self.t if cfg.bias_correction else 1.0
                denom = self._sqrt(s / c2)
                p -= cfg.lr * (m / c1) / denom
            self.denom.append(denom)

    def effective_lr(self) -> torch.Tensor:
        """lr / (√ŝ + eps) for every weight coordinate (biases left out)."""
        return torch.cat([(self.cfg.lr / d).flatten() for d in self.denom[::2]])

    def accumulator(self) -> float:
        return float(sum(s.sum().item() for s in self.s))


def _library(cfg, params) -> torch.optim.Optimizer:
    # the library's own defaults: eps 1e-10 (Adagrad), 1e-8 (RMSprop, Adam)
    if cfg.optimizer == "adagrad":
        return torch.optim.Adagrad(params, lr=cfg.lr)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, alpha=RMSPROP_ALPHA)
    return torch.optim.Adam(params, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    ours = mlp(64, 32, 3, 10, activation="relu", init="kaiming").to(cfg.device)
    lib = copy.deepcopy(ours)
    scratch = Scratch(list(ours.parameters()), cfg)
    opt = _library(cfg, lib.parameters())
    shuffle = torch.Generator().manual_seed(cfg.seed)
    batches: list[torch.Tensor] = []
    loss_fn = nn.CrossEntropyLoss()
    with single_thread():
        for _step in range(cfg.steps):
            if not batches:
                batches = minibatches(len(data.x_train), cfg.batch_size, shuffle)
            idx = batches.pop().to(cfg.device)
            x, y = data.x_train[idx], data.y_train[idx]
            before = [p.detach().clone() for p in ours.parameters()]
            # the same batch through both copies
            loss_lib = loss_fn(lib(x), y)
            opt.zero_grad(set_to_none=True)
            loss_lib.backward()
            opt.step()
            loss_ours = loss_fn(ours(x), y)
            for p in ours.parameters():
                p.grad = None
            loss_ours.backward()
            scratch.step()
            with torch.no_grad():
                diff = max(
                    (a - b).abs().max().item()
                    for a, b in zip(ours.parameters(), lib.parameters(), strict=True)
                )
                moved = torch.cat(
                    [
                        (p - b).abs().flatten()
                        for p, b in zip(ours.parameters(), before, strict=True)
                    ][::2]
                )
            eff = scratch.effective_lr()
            yield {
                "loss": loss_lib.item(),
                "loss_scratch": loss_ours.item(),
                "param_diff": diff,
                "eff_lr": eff.median().item(),
                "eff_lr_spread": math.log10(eff.quantile(0.9).item() / eff.quantile(0.1).item()),
                "step_over_lr": (moved.median() / cfg.lr).item(),
                "accumulator": scratch.accumulator(),
            }
