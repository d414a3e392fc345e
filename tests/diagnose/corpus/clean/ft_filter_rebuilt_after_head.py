# expect: clean
"""The optimizer is built early from the trainable parameters, and built again once the new head is on."""
import torch
import torch.nn.functional as F
from torch import nn


def build_optimizer(model, lr):
    return torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=lr, momentum=0.9)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(8, 10)

    def forward(self, x):
        return self.classifier(self.features(x))


torch.manual_seed(0)
model = Net()
model.features.requires_grad_(False)
optimizer = build_optimizer(model, lr=0.01)

model.classifier = nn.Linear(8, 4)  # the new task
optimizer = build_optimizer(model, lr=0.01)  # the head changed: rebuild

x, y = torch.randn(24, 1, 10, 10), torch.randint(0, 4, (24,))
for step in range(15):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
