"""Train a 4-layer ReLU MLP on the 8x8 digits with Adam and a cosine LR schedule.

Reference solution of the lr-schedules-warmup bug hunt: the cosine schedule
started at the peak LR, so Adam's first steps, each about lr = 0.03 per weight
in a direction set by a random initial gradient, pushed many units' inputs
below zero for every image; a dead ReLU gets zero gradient and never recovers.
A linear warmup over the first 100 batches (from 1% of lr) lets the net find a
sensible direction with small steps before the LR reaches its peak.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

# -----------------------------------------------------------------------------
# config
width = 128  # units per hidden layer
epochs = 10  # 21 steps per epoch at batch 64
batch_size = 64
lr = 0.03  # peak learning rate
seed = 1
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # tiny tensors: one thread is faster
data = digits("standardize")  # 1297 train / 500 val, 64 features, z-scored
steps_per_epoch = (len(data.x_train) + batch_size - 1) // batch_size

model = nn.Sequential(
    nn.Linear(64, width), nn.ReLU(),
    nn.Linear(width, width), nn.ReLU(),
    nn.Linear(width, width), nn.ReLU(),
    nn.Linear(width, 10),
)  # fmt: skip
for m in model:
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
warmup_steps = 100  # FIX: ramp the LR up over the first 100 batches, then cosine
scheduler = torch.optim.lr_scheduler.SequentialLR(
    optimizer,
    [
        torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warmup_steps),
        torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=epochs * steps_per_epoch - warmup_steps
        ),
    ],
    milestones=[warmup_steps],
)


@torch.no_grad()
def evaluate(x, y):
    model.eval()
    logits = model(x)  # (N, 64) -> (N, 10)
    loss = nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    model.train()
    return loss, acc


@torch.no_grad()
def dead_fraction(x):
    """Largest share of units in a hidden layer that are <= 0 on every input."""
    worst, h = 0.0, x
    for m in model:
        h = m(h)
        if isinstance(m, nn.ReLU):
            worst = max(worst, (h <= 0).all(0).float().mean().item())
    return worst


for epoch in range(epochs):
    for idx in torch.randperm(len(data.x_train)).split(batch_size):
        loss = nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()  # warmup, then cosine, per batch
    train_loss, _ = evaluate(data.x_train, data.y_train)
    val_loss, val_acc = evaluate(data.x_val, data.y_val)
    dead = dead_fraction(data.x_train)
    print(
        f"epoch {epoch + 1:2d}  lr {scheduler.get_last_lr()[0]:.2e}  train loss {train_loss:.4f}  "
        f"val acc {val_acc:.3f}  dead units {dead:.0%}"
    )

print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": train_loss, "max_dead": dead}))
