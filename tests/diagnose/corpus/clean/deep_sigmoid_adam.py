# expect: clean
"""A deep sigmoid MLP: its first-layer gradients are tiny, but Adam still moves those weights."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
layers = [nn.Linear(10, 32), nn.Sigmoid()]
for _ in range(6):
    layers += [nn.Linear(32, 32), nn.Sigmoid()]
model = nn.Sequential(*layers, nn.Linear(32, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(512, 10)
y = (x[:, 0] * x[:, 1] > 0).long()
for step in range(60):
    batch = slice((step * 64) % 512, (step * 64) % 512 + 64)
    optimizer.zero_grad()
    F.cross_entropy(model(x[batch]), y[batch]).backward()
    optimizer.step()
