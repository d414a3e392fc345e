# expect: clip-after-step
import torch
from torch import nn
from torch.nn.utils import clip_grad_value_


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.GRU(4, 8)
        self.head = nn.Linear(8, 1)
        params = [*self.model.parameters(), *self.head.parameters()]
        self.optimizer = torch.optim.Adam(params, lr=1e-3)
        self.params = params

    def step(self, x, y):
        out, _ = self.model(x)
        loss = nn.functional.mse_loss(self.head(out[-1]), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        clip_grad_value_(self.params, 0.5)


t = Trainer()
for _ in range(5):
    t.step(torch.randn(5, 3, 4), torch.randn(3, 1))
