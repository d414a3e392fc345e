# expect: vanishing-gradients
import torch
from torch import nn


class DeepTanh(nn.Module):
    def __init__(self, depth=10, width=64):
        super().__init__()
        self.inp = nn.Linear(16, width)
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.out = nn.Linear(width, 1)
        for layer in [self.inp, *self.hidden]:
            nn.init.normal_(layer.weight, std=0.02)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        for layer in self.hidden:
            h = torch.tanh(layer(h))
        return self.out(h)


torch.manual_seed(0)
net = DeepTanh()
opt = torch.optim.SGD(net.parameters(), lr=0.01)
x, t = torch.randn(64, 16), torch.randn(64, 1)
for _ in range(6):
    opt.zero_grad()
    nn.functional.mse_loss(net(x), t).backward()
    opt.step()
