# expect: loss-accumulation-graph
"""A Trainer logs through a metrics tracker: `add("loss", loss, n)` keeps a per-name
weighted sum, fed the loss tensor, so each batch's graph stays alive until the epoch ends."""
import torch
from torch import nn


class MetricTracker:
    def __init__(self, *names):
        self.names = names
        self.reset()

    def reset(self):
        self.totals = {name: 0.0 for name in self.names}
        self.counts = {name: 0 for name in self.names}

    def add(self, name, value, n=1):
        self.totals[name] = self.totals[name] + value * n
        self.counts[name] += n

    def result(self):
        return {name: self.totals[name] / max(1, self.counts[name]) for name in self.names}


class Trainer:
    def __init__(self):
        torch.manual_seed(3)
        self.model = nn.Sequential(nn.Linear(12, 48), nn.Tanh(), nn.Linear(48, 1))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=3e-3)
        self.criterion = nn.MSELoss()
        self.tracker = MetricTracker("loss")
        self.x, self.y = torch.randn(512, 12), torch.randn(512, 1)

    def train_epoch(self):
        self.tracker.reset()
        for i in range(0, 512, 32):
            xb, yb = self.x[i:i + 32], self.y[i:i + 32]
            loss = self.criterion(self.model(xb), yb)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.tracker.add("loss", loss, xb.size(0))
        return self.tracker.result()


trainer = Trainer()
for epoch in range(3):
    print(f"epoch {epoch}: {trainer.train_epoch()}")
