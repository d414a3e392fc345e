# expect: double-softmax
import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 1)

    def forward(self, x):
        return torch.sigmoid(self.body(x)).squeeze(1)


torch.manual_seed(0)
x = torch.randn(64, 6)
t = (x[:, 0] > 0).float()
net = Scorer()
crit = nn.BCEWithLogitsLoss()
opt = torch.optim.SGD(net.parameters(), lr=0.5)
for _ in range(5):
    opt.zero_grad()
    crit(net(x), t).backward()
    opt.step()
