# expect: clean
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, sizes=(8, 32, 32, 2)):
        super().__init__()
        self.sizes = [s for s in sizes]
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
        self.acts = nn.ModuleDict({"relu": nn.ReLU()})

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.acts["relu"](layer(x))
        return self.layers[-1](x)


torch.manual_seed(0)
model = MLP()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(6):
    x = torch.randn(32, 8)
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), (x[:, 0] > 0).long()).backward()
    opt.step()
