"""MLP on synthetic 28x28 digits-like data: 160 steps of batch 128."""

import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(4096, 784), torch.randint(0, 10, (4096,))
Xv, yv = torch.randn(1024, 784), torch.randint(0, 10, (1024,))
model = nn.Sequential(
    nn.Linear(784, 256),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(256, 128),
    nn.ReLU(),
    nn.Linear(128, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for _epoch in range(5):
    model.train()
    for i in range(0, 4096, 128):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X[i : i + 128]), y[i : i + 128])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val = nn.functional.cross_entropy(model(Xv), yv).item()
