# expect: clean
"""The same AverageMeter fed loss.item(): plain floats, no graph kept."""
import torch
import torch.nn.functional as F
from torch import nn


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
meter = AverageMeter()
x, y = torch.randn(640, 10), torch.randint(0, 3, (640,))
for i in range(0, 640, 32):
    loss = F.cross_entropy(model(x[i:i + 32]), y[i:i + 32])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    meter.update(loss.item(), 32)
    weighted = loss.detach() * 32  # a scaled copy for logging, with no graph
print(f"average loss {meter.avg:.3f}")
