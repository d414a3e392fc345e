# expect: loss-accumulation-graph
"""The pytorch/examples AverageMeter fed the loss tensor: `self.sum += val * n` keeps every graph."""
import torch
import torch.nn.functional as F
from torch import nn


class AverageMeter:
    """Computes and stores the average and current value."""

    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
losses = AverageMeter("Loss")
x, y = torch.randn(640, 10), torch.randint(0, 3, (640,))
for i in range(0, 640, 32):
    output = model(x[i:i + 32])
    loss = F.cross_entropy(output, y[i:i + 32])
    losses.update(loss, x[i:i + 32].size(0))  # should be loss.item()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"average loss {losses.avg:.3f}")
