# expect: lr-schedule-per-batch
# max-steps: none
"""A Trainer whose train_step also steps an ExponentialLR(gamma=0.9): a per-epoch decay applied per batch."""
import torch
from torch import nn


class Trainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.sched = torch.optim.lr_scheduler.ExponentialLR(self.opt, gamma=0.9)
        self.loss_fn = nn.MSELoss()

    def train_step(self, x, y):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.item()


torch.manual_seed(1)
w = torch.randn(8, 1)
X = torch.randn(1600, 8)
Y = X @ w + 0.1 * torch.randn(1600, 1)
trainer = Trainer(nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1)))
for epoch in range(20):
    for i in range(0, 1600, 64):
        last = trainer.train_step(X[i:i + 64], Y[i:i + 64])
    print(f"epoch {epoch}: mse {last:.4f}")
