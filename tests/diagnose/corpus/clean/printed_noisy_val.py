# expect: clean
# max-steps: none
"""A small validation set and a jittery optimizer: the printed val loss jumps around but does not trend up."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(4)
centers = torch.randn(4, 12) * 0.6
x = torch.cat([centers[c] + torch.randn(150, 12) for c in range(4)])
y = torch.arange(4).repeat_interleave(150)
perm = torch.randperm(600)
x, y = x[perm], y[perm]
x_train, y_train, x_val, y_val = x[:576], y[:576], x[576:], y[576:]

model = nn.Linear(12, 4)
opt = torch.optim.SGD(model.parameters(), lr=1.0)

for epoch in range(40):
    order = torch.randperm(576)
    for i in range(0, 576, 8):
        idx = order[i:i + 8]
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    val_loss = F.cross_entropy(model(x_val), y_val).item()
    print(f"Epoch [{epoch + 1}/40] loss: {loss.item():.4f}, val loss: {val_loss:.4f}")
