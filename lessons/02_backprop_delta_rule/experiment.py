"""Backprop by hand: the δ rule for a 2-layer MLP, checked against autograd every step.

Every arm computes the gradients twice, once with `loss.backward()` and once
with the δ rule written out below, and records the largest difference. The
`update_with` knob picks which of the two the SGD step uses; the `hand_rule`
knob can plant the classic mistake of dropping the activation derivative f'(z).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.models import ACTIVATIONS
from dllab.probes import layer_grad_norms


def f_prime(activation: str, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """The activation's derivative at z (a = f(z) is passed in to reuse it)."""
    if activation == "sigmoid":
        return a * (1 - a)  # σ'(z) = σ(z)(1 - σ(z)), at most 0.25
    if activation == "tanh":
        return 1 - a**2
    return (z > 0).to(z.dtype)  # relu


def run(cfg) -> Iterator[dict[str, float]]:
    # --- a fixed batch whose targets come from a random "teacher" net 3 -> 4 -> 2 (learnable)
    g = torch.Generator().manual_seed(cfg.seed)
    x = torch.randn(cfg.batch_size, 3, generator=g)  # (B, 3)
    teacher1 = torch.randn(4, 3, generator=g) * 3**0.5  # (4, 3)
    teacher2 = torch.randn(2, 4, generator=g) * 1.5  # (2, 4)
    y = torch.sigmoid(torch.sigmoid(x @ teacher1.T) @ teacher2.T)  # (B, 2) inside (0, 1)
    x, y = x.to(cfg.device), y.to(cfg.device)

    # --- 3 -> width -> 2, the activation after *both* layers (as in the derivation)
    fc1, fc2 = nn.Linear(3, cfg.width), nn.Linear(cfg.width, 2)
    act = ACTIVATIONS[cfg.activation]()
    model = nn.Sequential(fc1, act, fc2).to(cfg.device)  # the probe reads fc1, fc2
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    params = [fc1.weight, fc1.bias, fc2.weight, fc2.bias]

    with single_thread():  # tiny tensors: one thread is several times faster
        for _ in range(cfg.steps):
            # 1. forward, keeping every intermediate the δ rule needs
            z1 = x @ fc1.weight.T + fc1.bias  # (B, 3) @ (3, H) -> (B, H)
            a1 = act(z1)
            z2 = a1 @ fc2.weight.T + fc2.bias  # (B, H) @ (H, 2) -> (B, 2)
            a2 = act(z2)
            loss = ((a2 - y) ** 2).mean()  # MSE over B·2 numbers

            # 2. autograd's answer
            auto = torch.autograd.grad(loss, params)

            # 3. the δ rule by hand: δ = ∂L/∂z, layer by layer from the output back
            with torch.no_grad():
                dfz2 = f_prime(cfg.activation, z2, a2)
                dfz1 = f_prime(cfg.activation, z1, a1)
                if cfg.hand_rule == "forget_fprime":  # the planted bug: treat f'(z) as 1
                    dfz2, dfz1 = torch.ones_like(dfz2), torch.ones_like(dfz1)
                # weights are W[out, in] as in nn.Linear: z_j = Σ_i W_ji a_i + b_j
                dL_da2 = 2 * (a2 - y) / a2.numel()  # (B, 2)
                delta2 = dL_da2 * dfz2  # output: δ = ∂L/∂a ⊙ f'(z)           (B, 2)
                delta1 = (
                    delta2 @ fc2.weight
                ) * dfz1  # hidden: δ_i = (Σ_k δ_k W_ki) f'(z_i)  (B, H)
                hand = (
                    delta1.T @ x,  # ∂L/∂W_ji = δ_j a_i, summed over the batch  (H, 3)
                    delta1.sum(0),  # ∂L/∂b_j = δ_j                               (H,)
                    delta2.T @ a1,  # (2, H)
                    delta2.sum(0),  # (2,)
                )
                grad_diff = max((h - a).abs().max() for h, a in zip(hand, auto, strict=True))

            # 4. put the chosen gradient in .grad and take an SGD step
            used = hand if cfg.update_with == "hand" else auto
            for p, grad in zip(params, used, strict=True):
                p.grad = grad.clone()
            norms = layer_grad_norms(model)
            opt.step()
            metrics = {"loss": loss.item(), "grad_diff": grad_diff.item()}
            metrics.update({f"grad_norm/L{i + 1}": v for i, v in enumerate(norms.values())})
            yield metrics
