# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
trunk = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
head_a, head_b = nn.Linear(16, 3), nn.Linear(16, 1)
params = [*trunk.parameters(), *head_a.parameters(), *head_b.parameters()]
opt = torch.optim.SGD(params, lr=0.05)
X, ya, yb = torch.randn(128, 8), torch.randint(0, 3, (128,)), torch.randn(128, 1)
for epoch in range(3):
    running = 0.0
    for i in range(0, 128, 32):
        h = trunk(X[i:i + 32])
        loss = nn.functional.cross_entropy(head_a(h), ya[i:i + 32])
        loss = loss + nn.functional.mse_loss(head_b(h), yb[i:i + 32])
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item()
    val_loss = 0
    with torch.no_grad():
        for i in range(0, 128, 64):
            val_loss += nn.functional.mse_loss(head_b(trunk(X[i:i + 64])), yb[i:i + 64])
