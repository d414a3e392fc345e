# expect: exploding-gradients
import torch
from torch import nn


class Regressor:
    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.3)
        self.x = torch.randn(128, 3) * 4
        self.y = self.x.sum(1, keepdim=True) * 10

    def step(self):
        self.opt.zero_grad()
        loss = nn.functional.mse_loss(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()


r = Regressor()
for i in range(40):
    r.step()
