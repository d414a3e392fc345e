# expect: zero-gradients
"""A small trainer class with float16 autocast and a tiny auxiliary-style loss weight, no GradScaler."""

import torch
import torch.nn.functional as F
from torch import nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 4))

    def forward(self, x):
        return self.body(x)


class Trainer:
    def __init__(self, model, lr=1e-3, weight=1e-11):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        self.weight = weight

    def train_step(self, x, y):
        self.opt.zero_grad()
        with torch.autocast(device_type="cpu", dtype=torch.float16):
            pred = self.model(x)
            loss = F.mse_loss(pred.float(), y, reduction="sum") * self.weight
        loss.backward()
        self.opt.step()
        return loss.item()


torch.manual_seed(1)
inputs = torch.randn(512, 20)
targets = inputs[:, :4] * 2.0
trainer = Trainer(Regressor())
for epoch in range(4):
    for i in range(0, 512, 32):
        last = trainer.train_step(inputs[i : i + 32], targets[i : i + 32])
    print("epoch", epoch, "loss", last)
