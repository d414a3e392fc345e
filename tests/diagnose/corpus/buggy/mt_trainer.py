# expect: missing-train
import torch
from torch import nn


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05)
        self.batches = [(torch.randn(16, 4), torch.randint(0, 2, (16,))) for _ in range(3)]

    def evaluate(self):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x).argmax(1) for x, _ in self.batches]

    def run(self, epochs):
        self.model.train()
        for _ in range(epochs):
            for x, y in self.batches:
                self.opt.zero_grad()
                nn.functional.cross_entropy(self.model(x), y).backward()
                self.opt.step()
            self.evaluate()


Trainer().run(3)
