# expect: missing-eval, eval-without-no-grad
"""A Trainer whose validate() neither switches to eval() nor disables autograd."""
import torch
from torch import nn


class Trainer:
    def __init__(self):
        torch.manual_seed(1)
        self.model = nn.Sequential(nn.Linear(6, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05)
        self.train_x, self.train_y = torch.randn(256, 6), torch.randn(256, 1)
        self.val_x, self.val_y = torch.randn(128, 6), torch.randn(128, 1)

    def train_epoch(self):
        self.model.train()
        for i in range(0, 256, 32):
            self.opt.zero_grad()
            loss = nn.functional.mse_loss(self.model(self.train_x[i:i + 32]), self.train_y[i:i + 32])
            loss.backward()
            self.opt.step()

    def validate(self):
        total = 0.0
        for i in range(0, 128, 32):
            total += nn.functional.mse_loss(self.model(self.val_x[i:i + 32]), self.val_y[i:i + 32]).item()
        return total / 4


trainer = Trainer()
for epoch in range(3):
    trainer.train_epoch()
    trainer.validate()
