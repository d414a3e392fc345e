"""Worst case for the probes: a tiny MLP where per-op Python overhead dominates, 1000 steps."""

import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(8000, 10), torch.randint(0, 3, (8000,))
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for i in range(0, 8000, 8):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(X[i : i + 8]), y[i : i + 8])
    loss.backward()
    opt.step()
