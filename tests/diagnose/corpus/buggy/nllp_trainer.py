# expect: nll-probabilities
import torch
from torch import nn


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=-1))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.batches = [(torch.randn(16, 6), torch.randint(0, 3, (16,))) for _ in range(5)]

    def train_epoch(self):
        for x, y in self.batches:
            self.opt.zero_grad()
            nn.functional.nll_loss(self.model(x), y).backward()
            self.opt.step()


Trainer().train_epoch()
