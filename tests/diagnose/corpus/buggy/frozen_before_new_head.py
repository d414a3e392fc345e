# expect: optimizer-updates-nothing, frozen-parameters
"""Fine-tuning: the backbone is frozen and the optimizer built before the new head is attached."""
import torch
import torch.nn.functional as F
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc(self.features(x))


torch.manual_seed(0)
model = Backbone()
for p in model.parameters():
    p.requires_grad = False
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
model.fc = nn.Linear(32, 3)  # the new head: trainable, but not in the optimizer
x, y = torch.randn(64, 12), torch.randint(0, 3, (64,))
for epoch in range(10):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
