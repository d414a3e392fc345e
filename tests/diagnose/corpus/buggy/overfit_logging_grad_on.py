# expect: overfitting
# max-steps: none
"""Validation loss logged each epoch, computed with autograd on: only the log shows it rising."""
import logging

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("train")

g = torch.Generator().manual_seed(7)
features = torch.randn(560, 20, generator=g)
labels = ((features[:, :2].sum(1) + torch.randn(560, generator=g)) > 0).long()
train_set = TensorDataset(features[:80], labels[:80])
val_x, val_y = features[80:], labels[80:]

torch.manual_seed(7)
model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = DataLoader(train_set, batch_size=16, shuffle=True, generator=g)

for epoch in range(1, 61):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    val_loss = criterion(model(val_x), val_y)
    log.info("epoch %d: Validation Loss = %.4f", epoch, val_loss.item())
