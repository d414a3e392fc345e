# expect: missing-eval
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.bn = nn.BatchNorm1d(16)
        self.out = nn.Linear(16, 2)

    def forward(self, x):
        return self.out(torch.relu(self.bn(self.fc(x))))


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.net = Net()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.data = [(torch.randn(16, 8), torch.randint(0, 2, (16,))) for _ in range(4)]

    def fit(self):
        self.net.train()
        for x, y in self.data:
            self.opt.zero_grad()
            nn.functional.cross_entropy(self.net(x), y).backward()
            self.opt.step()

    @torch.no_grad()
    def validate(self):
        return sum(nn.functional.cross_entropy(self.net(x), y).item() for x, y in self.data)


trainer = Trainer()
for epoch in range(2):
    trainer.fit()
    print(trainer.validate())
