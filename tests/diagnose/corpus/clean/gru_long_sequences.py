# expect: clean
"""A GRU forecasting a noisy sine from long windows (200 steps), PyTorch's default init, no clipping."""
import math

import torch
from torch import nn


class Forecaster(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out[:, -1])


def windows(series, length, batch, generator):
    start = torch.randint(0, len(series) - length - 1, (batch,), generator=generator)
    x = torch.stack([series[s:s + length] for s in start]).unsqueeze(-1)
    y = torch.stack([series[s + length] for s in start]).unsqueeze(-1)
    return x, y


torch.manual_seed(0)
g = torch.Generator().manual_seed(0)
t = torch.linspace(0, 40 * math.pi, 4000)
series = torch.sin(t) + 0.1 * torch.randn(4000, generator=g)

model = Forecaster()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.MSELoss()
for step in range(100):
    x, y = windows(series, 200, 32, g)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"step {step}: loss {loss.item():.4f}")
