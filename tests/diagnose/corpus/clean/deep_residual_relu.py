# expect: clean
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return x + torch.relu(self.fc(self.norm(x)))


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 32), *[Block(32) for _ in range(12)], nn.Linear(32, 4))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
X, y = torch.randn(256, 8), torch.randint(0, 4, (256,))
for epoch in range(2):
    for i in range(0, 256, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
