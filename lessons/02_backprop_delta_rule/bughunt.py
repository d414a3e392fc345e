"""Backprop by hand for a tanh MLP, checked against autograd.

Bug hunt: `backward` below writes out the delta rule for a 3 -> 8 -> 2 network
with tanh after both layers. The gradient check at the end compares it with
`loss.backward()`, and they disagree. Fix `backward` in place.
`dllab check backprop-delta-rule --bughunt` verifies your fix.
"""

import json

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(64, 3)  # (B, 3)
y = torch.rand(64, 2) * 2 - 1  # (B, 2) targets inside (-1, 1), tanh's range
fc1, fc2 = nn.Linear(3, 8), nn.Linear(8, 2)


def forward(x):
    z1 = x @ fc1.weight.T + fc1.bias  # (B, 8)
    a1 = torch.tanh(z1)
    z2 = a1 @ fc2.weight.T + fc2.bias  # (B, 2)
    a2 = torch.tanh(z2)
    return z1, a1, z2, a2


def backward(x, y, z1, a1, z2, a2):
    """Gradients of the mean squared error for fc1.weight, fc1.bias, fc2.weight, fc2.bias."""
    dL_da2 = 2 * (a2 - y) / a2.numel()
    delta2 = dL_da2 * (1 - z2**2)
    delta1 = (delta2 @ fc2.weight) * (1 - z1**2)
    return delta1.T @ x, delta1.sum(0), delta2.T @ a1, delta2.sum(0)


params = [fc1.weight, fc1.bias, fc2.weight, fc2.bias]
lr = 0.5
losses = []
for step in range(200):
    z1, a1, z2, a2 = forward(x)
    loss = ((a2 - y) ** 2).mean()
    auto = torch.autograd.grad(loss, params)
    with torch.no_grad():
        hand = backward(x, y, z1, a1, z2, a2)
        if step == 0:
            grad_diff = max((h - a).abs().max().item() for h, a in zip(hand, auto, strict=True))
            print(f"max |hand - autograd| at step 0: {grad_diff:.3g}")
        for p, g in zip(params, hand, strict=True):  # train on the hand-written gradient
            p -= lr * g
    losses.append(loss.item())
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")

print(
    "RESULT "
    + json.dumps({"grad_diff": grad_diff, "first_loss": losses[0], "last_loss": losses[-1]})
)
