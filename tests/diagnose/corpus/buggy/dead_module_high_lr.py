# expect: dead-relu
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 128)
        self.act1 = nn.ReLU()
        self.fc2 = nn.Linear(128, 128)
        self.act2 = nn.ReLU()
        self.head = nn.Linear(128, 5)

    def forward(self, x):
        return self.head(self.act2(self.fc2(self.act1(self.fc1(x)))))


torch.manual_seed(0)
X, y = torch.randn(2048, 20), torch.randint(0, 5, (2048,))
model = MLP()
opt = torch.optim.Adam(model.parameters(), lr=0.5)  # far too high: units die within a few steps
for epoch in range(2):
    for i in range(0, 2048, 128):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 128]), y[i:i + 128]).backward()
        opt.step()
