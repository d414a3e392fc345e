# expect: clean
"""Fine-tuning with parameter groups: a small lr for the backbone, 0 for the stem, a larger one for the new head."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
stem = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
body = nn.Sequential(nn.Linear(32, 32), nn.ReLU())
model = nn.Sequential(stem, body, nn.Linear(32, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(5):
    x, y = torch.randn(32, 16), torch.randint(0, 10, (32,))
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()

model[2] = nn.Linear(32, 4)  # the new task has 4 classes
optimizer = torch.optim.Adam(
    [
        {"params": stem.parameters(), "lr": 0.0},  # kept as it is for now
        {"params": body.parameters(), "lr": 1e-4},
        {"params": model[2].parameters()},
    ],
    lr=1e-2,
)
x, y = torch.randn(64, 16), torch.randint(0, 4, (64,))
for step in range(30):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
