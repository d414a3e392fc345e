"""Gradient descent on Himmelblau's function: the start point (and the step size) pick the minimum.

    f(x, y) = (x² + y − 11)² + (x + y² − 7)²

has four minima, all with f = 0. Each arm is one "ball" rolled from its own
start with the same optimizer; the point (x, y) itself is the only parameter.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from dllab.lessonkit.cpu import single_thread

MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))
"""Himmelblau's four minima (f = 0 at each): the marks on the trajectory chart."""

LR_LIMITS = (0.0243, 0.0248, 0.0149, 0.0190)
"""2/λmax of the Hessian at each minimum: plain gradient descent cannot settle there at a larger lr."""


def basin(x: float, y: float) -> float:
    """1..4: the minimum nearest to (x, y) if within 0.1 of it, else 0 (not settled)."""
    dist = [((x - mx) ** 2 + (y - my) ** 2) ** 0.5 for mx, my in MINIMA]
    nearest = min(range(len(MINIMA)), key=dist.__getitem__)
    return float(nearest + 1) if dist[nearest] < 0.1 else 0.0


def himmelblau(p: torch.Tensor) -> torch.Tensor:
    """f at the point p = (x, y)."""
    x, y = p[0], p[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def run(cfg) -> Iterator[dict[str, float]]:
    # the parameter is the point itself: a (2,) leaf tensor
    p = torch.tensor([cfg.start_x, cfg.start_y], device=cfg.device, requires_grad=True)
    lr = cfg.lr * cfg.lr_scale
    opt = torch.optim.SGD([p], lr=lr) if cfg.optimizer == "sgd" else torch.optim.Adam([p], lr=lr)
    with single_thread():  # two numbers per step: threads only add overhead
        for step in range(cfg.steps):
            # 1. f and its gradient at the current point
            f = himmelblau(p)
            opt.zero_grad(set_to_none=True)
            f.backward()
            # 2. record where the ball is *before* the step (step 0 is the start)
            x, y = p.detach().tolist()
            metrics = {"x": x, "y": y, "f": f.item(), "grad_norm": p.grad.norm().item()}
            # 3. move
            opt.step()
            if step == cfg.steps - 1:  # where the ball ended: which minimum, if any
                metrics["basin"] = basin(x, y)
            yield metrics
