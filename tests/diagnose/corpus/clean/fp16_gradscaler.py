# expect: clean
"""Float16 autocast with a GradScaler: the scaled loss keeps the small gradients above fp16's floor."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(256, 32)
y = torch.tanh(x @ torch.randn(32, 16) / 32**0.5) @ torch.randn(16, 8)

model = nn.Sequential(nn.Linear(32, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 8))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0**24)
loss_weight = 1e-9

for step in range(60):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        out = model(x)
        loss = loss_weight * (out.float() - y).pow(2).sum()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    if step % 20 == 0:
        print(f"step {step} mse {loss.item() / loss_weight / y.numel():.4f}")
