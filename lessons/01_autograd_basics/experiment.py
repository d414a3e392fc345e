"""Autograd basics: fit y = 3x + 2 with two raw tensors and a hand-written update.

Both arms run the same loop; one zeroes `.grad` after each update, the other
forgets to. Autograd *adds* each new gradient into `.grad`, so the forgetful arm
steps along the running sum of every gradient so far.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch


def run(cfg) -> Iterator[dict[str, float]]:
    # --- the toy from the text: x = [0, 1, 2], d/dx sum(x²) = 2x = [0, 2, 4]
    x_toy = torch.arange(3.0, requires_grad=True)  # (3,) leaf tensor
    for _ in range(3):
        if cfg.zero_grad and x_toy.grad is not None:
            x_toy.grad.zero_()
        (x_toy * x_toy).sum().backward()  # a fresh graph each call; the grads add up in .grad
    toy_ratio = (x_toy.grad[2] / 4.0).item()  # 1.0 if zeroed, 3.0 after three backward calls

    # --- data: n noisy points on the line y = 3x + 2
    g = torch.Generator().manual_seed(cfg.seed)
    x = torch.rand(cfg.n_points, 1, generator=g) * 4 - 2  # (N, 1) in [-2, 2)
    y = 3 * x + 2 + cfg.noise * torch.randn(cfg.n_points, 1, generator=g)  # (N, 1)
    x, y = x.to(cfg.device), y.to(cfg.device)

    # --- the model is two leaf tensors: autograd fills their .grad
    w = torch.zeros(1, device=cfg.device, requires_grad=True)
    b = torch.zeros(1, device=cfg.device, requires_grad=True)
    for step in range(cfg.steps):
        # 1. forward: the graph is recorded as the expression is evaluated
        loss = ((x * w + b - y) ** 2).mean()  # (N, 1) -> scalar
        # 2. backward: d loss / d w and d loss / d b are *added* into w.grad, b.grad
        loss.backward()
        grad_norm = torch.sqrt(w.grad**2 + b.grad**2)  # what the update below will use
        # 3. update by hand, outside the graph
        with torch.no_grad():
            w -= cfg.lr * w.grad
            b -= cfg.lr * b.grad
        # 4. clear the gradients for the next step (the arm under test may forget)
        if cfg.zero_grad:
            w.grad.zero_()
            b.grad.zero_()
        metrics = {"loss": loss.item(), "grad_norm": grad_norm.item(), "w": w.item(), "b": b.item()}
        if step == 0:
            metrics["toy_ratio"] = toy_ratio
        yield metrics
