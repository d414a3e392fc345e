# expect: exploding-gradients, non-finite
"""A deep ReLU MLP initialised with std=1 weights: activations and gradients blow up to NaN."""
import torch
import torch.nn.functional as F
from torch import nn


class DeepMLP(nn.Module):
    def __init__(self, width=256, depth=12):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width if i else 20, width) for i in range(depth))
        self.out = nn.Linear(width, 5)
        for layer in self.layers:
            nn.init.normal_(layer.weight, std=1.0)  # "unit variance" init, for every layer

    def forward(self, x):
        for layer in self.layers:
            x = F.relu(layer(x))
        return self.out(x)


torch.manual_seed(0)
model = DeepMLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(256, 20), torch.randint(0, 5, (256,))
for step in range(40):
    batch = slice((step * 32) % 256, (step * 32) % 256 + 32)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x[batch]), y[batch])
    loss.backward()
    optimizer.step()
