# expect: clean
# max-steps: none
"""Validation loss bumps up for a few epochs, then comes back below its best: not overfitting."""
import copy

import torch
import torch.nn.functional as F
from torch import nn


class Trainer:
    def __init__(self, seed=0):
        torch.manual_seed(seed)
        self.model = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 3))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.5)
        centers = torch.randn(3, 8) * 1.5
        self.x = torch.cat([centers[c] + torch.randn(200, 8) for c in range(3)])
        self.y = torch.arange(3).repeat_interleave(200)
        perm = torch.randperm(600)
        self.x, self.y = self.x[perm], self.y[perm]
        self.best_state, self.best = None, float("inf")

    def fit_epoch(self, epoch):
        self.model.train()
        lr = 0.5 if epoch < 5 or epoch >= 8 else 2.0  # a too-hot schedule for three epochs
        for group in self.opt.param_groups:
            group["lr"] = lr
        for i in range(0, 480, 48):
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(self.x[i:i + 48]), self.y[i:i + 48])
            loss.backward()
            self.opt.step()

    def validate(self):
        self.model.eval()
        with torch.no_grad():
            loss = F.cross_entropy(self.model(self.x[480:]), self.y[480:]).item()
        if loss < self.best:
            self.best, self.best_state = loss, copy.deepcopy(self.model.state_dict())
        return loss


trainer = Trainer()
for epoch in range(30):
    trainer.fit_epoch(epoch)
    trainer.validate()
