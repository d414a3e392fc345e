# expect: clean
"""The same regression under bfloat16 autocast: bf16 has fp32's exponent range, nothing underflows."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(256, 32)
y = torch.tanh(x @ torch.randn(32, 16) / 32**0.5) @ torch.randn(16, 8)

model = nn.Sequential(nn.Linear(32, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 8))
opt = torch.optim.Adam(model.parameters(), lr=0.01)

for step in range(60):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(x)
        loss = 1e-9 * (out.float() - y).pow(2).sum()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        print(f"step {step} mse {loss.item() / 1e-9 / y.numel():.4f}")
