# expect: loss-accumulation-graph
import torch
from torch import nn


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Linear(4, 1)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.history = []

    def run(self, steps):
        for _ in range(steps):
            x = torch.randn(8, 4)
            loss = nn.functional.mse_loss(self.model(x), x.sum(1, keepdim=True))
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.history.append(loss)


Trainer().run(30)
