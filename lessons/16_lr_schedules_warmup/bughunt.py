"""Train a 4-layer ReLU MLP on the 8x8 digits with Adam and a cosine LR schedule.

Bug hunt: this script runs without an error and its accuracy looks fine, but
within the first epoch a large share of the hidden units die (never fire on
any training image) and stay dead. Find out why and fix it in place.
`dllab check lr-schedules-warmup --bughunt` verifies your fix.
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
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch)


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
        scheduler.step()  # cosine over all batches
    train_loss, _ = evaluate(data.x_train, data.y_train)
    val_loss, val_acc = evaluate(data.x_val, data.y_val)
    dead = dead_fraction(data.x_train)
    print(
        f"epoch {epoch + 1:2d}  lr {scheduler.get_last_lr()[0]:.2e}  train loss {train_loss:.4f}  "
        f"val acc {val_acc:.3f}  dead units {dead:.0%}"
    )

print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": train_loss, "max_dead": dead}))
