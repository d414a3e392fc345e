# expect: unregistered-modules
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return x + torch.relu(self.fc(x))


class ResNetMLP(nn.Module):
    def __init__(self, width=12, blocks=2):
        super().__init__()
        self.blocks = []
        for _ in range(blocks):
            self.blocks.append(Block(width))
        self.head = nn.Linear(width, 3)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


torch.manual_seed(0)
net = ResNetMLP()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(3):
    opt.zero_grad()
    nn.functional.cross_entropy(net(torch.randn(16, 12)), torch.randint(0, 3, (16,))).backward()
    opt.step()
