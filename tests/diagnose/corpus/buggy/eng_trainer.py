# expect: eval-without-no-grad
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 12)
        self.b = nn.Linear(12, 2)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.net = Net()
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.1)
        self.batches = [(torch.randn(16, 6), torch.randint(0, 2, (16,))) for _ in range(4)]

    def train_epoch(self):
        self.net.train()
        for x, y in self.batches:
            self.opt.zero_grad()
            nn.functional.cross_entropy(self.net(x), y).backward()
            self.opt.step()

    def evaluate(self):
        self.net.eval()
        total = 0.0
        for x, y in self.batches:
            total += nn.functional.cross_entropy(self.net(x), y).item()
        return total


t = Trainer()
for _ in range(2):
    t.train_epoch()
    t.evaluate()
