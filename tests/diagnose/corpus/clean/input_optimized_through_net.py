# expect: clean
"""Optimize an input through a fixed network (feature visualisation / style-transfer style).

The network's parameters still require grad, so they get gradients that no optimizer applies:
that is fine, only the input is meant to change."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
net.eval()
target = net(torch.rand(1, 3, 16, 16)).detach()

image = torch.rand(1, 3, 16, 16, requires_grad=True)
optimizer = torch.optim.Adam([image], lr=0.05)
for step in range(30):
    optimizer.zero_grad()
    loss = F.mse_loss(net(image), target)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        image.clamp_(0, 1)
print(f"feature loss {loss.item():.4f}")
