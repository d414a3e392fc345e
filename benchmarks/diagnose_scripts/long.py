"""A longer run: 3,000 Adam steps of a small MLP with an evaluation every 100 (a real run's shape)."""

import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(8192, 32), torch.randint(0, 4, (8192,))
Xv, yv = torch.randn(1024, 32), torch.randint(0, 4, (1024,))
model = nn.Sequential(
    nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 4)
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3000):
    i = (step * 64) % 8192
    model.train()
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(X[i : i + 64]), y[i : i + 64])
    loss.backward()
    opt.step()
    if step % 100 == 0:
        model.eval()
        with torch.no_grad():
            val = nn.functional.cross_entropy(model(Xv), yv).item()
