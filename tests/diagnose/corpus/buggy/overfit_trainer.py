# expect: overfitting
import torch
from torch import nn


class Trainer:
    def __init__(self):
        torch.manual_seed(1)
        self.model = nn.Sequential(nn.Linear(10, 128), nn.Tanh(), nn.Linear(128, 1))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=3e-3)
        self.train_set = [(torch.randn(8, 10), torch.randn(8, 1)) for _ in range(2)]
        self.val_set = [(torch.randn(64, 10), torch.randn(64, 1))]

    def train_epoch(self):
        self.model.train()
        for x, y in self.train_set:
            self.opt.zero_grad()
            loss = nn.functional.mse_loss(self.model(x), y)
            loss.backward()
            self.opt.step()

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        return sum(nn.functional.mse_loss(self.model(x), y).item() for x, y in self.val_set)


t = Trainer()
for epoch in range(40):
    t.train_epoch()
    t.validate()
