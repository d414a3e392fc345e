# expect: overfitting
# max-steps: none
"""A small regression set fitted for 1,000 steps with a hand-written MSE; only the printout shows validation."""
import torch
from torch import nn

torch.manual_seed(1)
x_train, x_val = torch.randn(40, 10), torch.randn(200, 10)
y_train = torch.sin(2 * x_train[:, :1]) + 0.5 * torch.randn(40, 1)
y_val = torch.sin(2 * x_val[:, :1]) + 0.5 * torch.randn(200, 1)

net = nn.Sequential(nn.Linear(10, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 1))
opt = torch.optim.Adam(net.parameters(), lr=3e-3)

for epoch in range(250):
    perm = torch.randperm(40)
    running = 0.0
    for i in range(0, 40, 10):
        idx = perm[i:i + 10]
        pred = net(x_train[idx])
        loss = ((pred - y_train[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item()
    if epoch % 5 == 4:
        with torch.no_grad():
            val_loss = ((net(x_val) - y_val) ** 2).mean().item()
        print(f"epoch {epoch + 1} train_loss {running / 4:.4f} val_loss {val_loss:.4f}")
