# expect: clean
# max-steps: none
"""OneCycleLR and a cosine schedule sized in batches, stepped every batch, as they are meant to be."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(3)
X = torch.randn(1024, 10)
y = (X[:, 0] * X[:, 1] > 0).long()
epochs, batch = 8, 32
steps_per_epoch = len(X) // batch
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 2))
head = nn.Linear(10, 2)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
opt_head = torch.optim.SGD(head.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=epochs, steps_per_epoch=steps_per_epoch)
sched_head = torch.optim.lr_scheduler.CosineAnnealingLR(opt_head, T_max=epochs * steps_per_epoch)
for epoch in range(epochs):
    for i in range(0, len(X), batch):
        xb, yb = X[i:i + batch], y[i:i + batch]
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
        sched.step()
        opt_head.zero_grad()
        F.cross_entropy(head(xb), yb).backward()
        opt_head.step()
        sched_head.step()
