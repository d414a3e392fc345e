# expect: clean
"""Freeze, new head, train the head; then unfreeze the last block and add it as a parameter group."""
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
        self.block2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.pool(self.block2(self.block1(x))).flatten(1))


torch.manual_seed(0)
model = Net()
state = {k: v.clone() for k, v in model.state_dict().items()}  # stands in for a checkpoint
model.load_state_dict(state)

for p in model.parameters():
    p.requires_grad = False
model.fc = nn.Linear(16, 5)
optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-2)

x, y = torch.randn(40, 1, 8, 8), torch.randint(0, 5, (40,))
for epoch in range(20):
    if epoch == 10:
        model.block2.requires_grad_(True)
        optimizer.add_param_group({"params": model.block2.parameters(), "lr": 1e-4})
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
