# expect: optimizer-updates-nothing, frozen-parameters
"""Fine-tuning a small pretrained CNN: the optimizer is built over model.fc, then model.fc is replaced."""
import torch
import torch.nn.functional as F
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1), nn.Flatten()
        )
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(self.features(x))


torch.manual_seed(0)
model = SmallCNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(5):  # "pretraining"
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()

for p in model.features.parameters():
    p.requires_grad = False
optimizer = torch.optim.Adam(model.fc.parameters(), lr=1e-2)
model.fc = nn.Linear(8, 3)

x, y = torch.randn(48, 1, 8, 8), torch.randint(0, 3, (48,))
for epoch in range(20):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.3f}")
