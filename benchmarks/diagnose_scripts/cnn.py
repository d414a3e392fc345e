"""Small CNN with BatchNorm on synthetic 1x28x28 images: 90 steps of batch 64."""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


torch.manual_seed(0)
model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
X, y = torch.randn(1920, 1, 28, 28), torch.randint(0, 10, (1920,))
for _epoch in range(3):
    model.train()
    for i in range(0, 1920, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i : i + 64]), y[i : i + 64]).backward()
        opt.step()
