"""Momentum on an ill-conditioned valley: f(x) = 0.1·x1² + steep·x2², torch.optim.SGD.

Curvatures (Hessian eigenvalues) are 0.2 along x1 and 2·steep along x2, so plain
gradient descent multiplies x_i by (1 - lr·λ_i) every step and diverges along x2
once lr > 2/λ_max. With momentum, SGD keeps a velocity v ← β·v + g and steps
x ← x - lr·v (PyTorch's form, dampening 0); we read v from the optimizer's own
`momentum_buffer`. Step k reports the point after k updates (step 0 = the start).
`noise` adds Gaussian noise to the gradient (stochastic gradients); 0 makes the
run deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

FLAT = 0.1
"""Coefficient of x1²: curvature λ1 = 0.2."""


def _f(x: torch.Tensor, steep: float) -> torch.Tensor:
    return FLAT * x[0] ** 2 + steep * x[1] ** 2


def run(cfg) -> Iterator[dict[str, float]]:
    x = torch.tensor([cfg.x1, cfg.x2], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=cfg.lr, momentum=cfg.beta)
    noise = torch.Generator().manual_seed(cfg.seed)
    v = torch.zeros(2, dtype=torch.float64)
    for step in range(cfg.steps):
        f = _f(x, cfg.steep)
        yield {
            "x1": x[0].item(),
            "x2": x[1].item(),
            "f": f.item(),
            "v1": v[0].item(),
            "v2": v[1].item(),
        }
        if step == cfg.steps - 1:
            return
        opt.zero_grad()
        f.backward()
        assert x.grad is not None
        if cfg.noise > 0:
            x.grad += cfg.noise * torch.randn(2, dtype=torch.float64, generator=noise)
        opt.step()
        # the velocity the step used: SGD's momentum buffer, or the bare gradient without momentum
        buf = opt.state[x].get("momentum_buffer")
        v = (buf if buf is not None else x.grad).detach().clone()
