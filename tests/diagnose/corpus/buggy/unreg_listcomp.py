# expect: unregistered-modules
import torch
from torch import nn


class Stack(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        self.inp = nn.Linear(6, 16)
        self.layers = [nn.Linear(16, 16) for _ in range(depth)]
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        x = torch.relu(self.inp(x))
        for layer in self.layers:
            x = torch.relu(layer(x))
        return self.out(x)


torch.manual_seed(0)
model = Stack()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(4):
    x = torch.randn(8, 6)
    opt.zero_grad()
    nn.functional.mse_loss(model(x), x[:, :1]).backward()
    opt.step()
