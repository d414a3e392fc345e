# expect: clean
# max-steps: none
"""A long run with enough data: validation loss falls, then plateaus with noise."""
import torch
from torch import nn

torch.manual_seed(0)
w = torch.randn(20, 1)
x_train, x_val = torch.randn(2048, 20), torch.randn(512, 20)
y_train = x_train @ w + 0.5 * torch.randn(2048, 1)
y_val = x_val @ w + 0.5 * torch.randn(512, 1)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = nn.MSELoss()
for step in range(2000):
    idx = torch.randint(0, 2048, (32,))
    opt.zero_grad()
    loss = loss_fn(model(x_train[idx]), y_train[idx])
    loss.backward()
    opt.step()
    if step % 50 == 0:
        model.eval()
        with torch.no_grad():
            val = loss_fn(model(x_val), y_val)
        model.train()
