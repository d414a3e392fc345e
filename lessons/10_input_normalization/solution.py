"""Fit house prices with a linear model and full-batch SGD.

Reference solution of the input-normalization bug hunt: the features' scales
differ by about 20× (area ~100 m², rooms ~3), so the loss is ~1000× more curved
along the area's weight than along the rooms'. SGD's lr must stay below
2/λmax, set by the area, and the other weights then crawl. Standardizing every
feature with the training split's mean and std (and applying the same numbers
to the validation split) makes every curvature about 2, so lr 0.1 is safe and
300 steps reach the noise floor.
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
mean, std = x_train.mean(0), x_train.std(0)  # FIX: statistics of the training split only
x_train, x_val = (x_train - mean) / std, (x_val - mean) / std

model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(
    model.parameters(), lr=0.1
)  # FIX: was 2e-5, the most the raw area allowed
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
