"""Train a deep MLP (9 hidden layers) on the 8x8 digits.

Bug hunt: this script runs without an error, but the loss never leaves ln 10
(about 2.30) and the accuracy stays at chance. Find out why and fix it in place.
`dllab check vanishing-gradients --bughunt` verifies your fix.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

# -----------------------------------------------------------------------------
# config
depth = 10  # Linear layers: 64 -> 100 x 9 -> 10
width = 100
epochs = 15  # 21 steps per epoch at batch 64
batch_size = 64
lr = 0.02
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster
data = digits("standardize")  # 1297 train / 500 val, 64 features, z-scored

layers = []
for i in range(depth - 1):
    n_in, n_out = (64 if i == 0 else width), width
    layers += [nn.Linear(n_in, n_out), nn.Sigmoid()]
layers.append(nn.Linear(width, 10))
model = nn.Sequential(*layers)
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


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
