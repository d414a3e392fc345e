"""Fit house prices with a linear model and full-batch SGD.

Bug hunt: the script runs without an error, but after 300 steps the validation
error is still far above what a linear model reaches on these data, and a
larger learning rate makes the loss blow up. Find the cause and fix it in
place. `dllab check input-normalization --bughunt` verifies your fix.
"""

import json

import torch
from torch import nn

torch.manual_seed(0)
n_train, n_val = 800, 200


def make_houses(n, g):
    area = 60 + 90 * torch.rand(n, generator=g)  # m²
    rooms = torch.randint(1, 7, (n,), generator=g).float()
    age = 60 * torch.rand(n, generator=g)  # years
    distance = 30 * torch.rand(n, generator=g)  # km to the centre
    x = torch.stack([area, rooms, age, distance], dim=1)  # (N, 4)
    price = 3.0 * area + 20 * rooms - 1.5 * age - 4 * distance + 50  # thousands
    return x, (price + 10 * torch.randn(n, generator=g)).unsqueeze(1)  # noise std 10


g = torch.Generator().manual_seed(0)
x_train, y_train = make_houses(n_train, g)
x_val, y_val = make_houses(n_val, g)

model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=2e-5)
loss_fn = nn.MSELoss()

for step in range(300):
    loss = loss_fn(model(x_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"step {step:3d}  train mse {loss.item():.1f}")

with torch.no_grad():
    val_mse = loss_fn(model(x_val), y_val).item()
print(f"val mse {val_mse:.1f} (noise floor 100)")
print("RESULT " + json.dumps({"val_mse": val_mse, "train_mse": loss.item()}))
