"""Train a 3-hidden-layer ReLU MLP on the 8x8 digits.

Bug hunt: this script runs without an error, but its accuracy is poor and
most units of the hidden layers never fire. Find out why and fix it in place.
`dllab check dead-relu --bughunt` verifies your fix.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

# -----------------------------------------------------------------------------
# config
width = 128  # units per hidden layer
epochs = 20  # 21 steps per epoch at batch 64
batch_size = 64
lr = 0.05
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # tiny tensors: one thread is faster
data = digits("standardize")  # 1297 train / 500 val, 64 features, z-scored

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


@torch.no_grad()
def evaluate(x, y):
    model.eval()
    logits = model(x)  # (N, 64) -> (N, 10)
    loss = nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    model.train()
    return loss, acc


for epoch in range(epochs):
    for idx in torch.randperm(len(data.x_train)).split(batch_size):
        loss = nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    train_loss, _ = evaluate(data.x_train, data.y_train)
    val_loss, val_acc = evaluate(data.x_val, data.y_val)
    print(
        f"epoch {epoch + 1:2d}  train loss {train_loss:.4f}  val loss {val_loss:.4f}  val acc {val_acc:.3f}"
    )

print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": train_loss}))
