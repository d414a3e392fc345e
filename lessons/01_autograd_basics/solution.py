"""Train a small MLP on the 8x8 digits with SGD.

Reference solution of the autograd-basics bug hunt: `loss.backward()` adds
into every parameter's .grad. Zeroing once before the loop leaves each step
using the sum of all gradients so far, a step that grows with every batch;
clearing .grad at the start of each iteration gives each step its own batch's
gradient.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

epochs = 10
batch_size = 64
lr = 0.1
seed = 0

torch.manual_seed(seed)
torch.set_num_threads(1)  # tiny model: one thread is faster on a small CPU
data = digits("standardize")  # 1297 train / 500 val images of 8x8 = 64 pixels

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)


@torch.no_grad()
def evaluate(x, y):
    logits = model(x)
    return criterion(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


for epoch in range(epochs):
    order = torch.randperm(len(data.x_train))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        loss = criterion(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad()  # FIX: every step, not once before the loop
        loss.backward()
        optimizer.step()
    train_loss, _ = evaluate(data.x_train, data.y_train)
    val_loss, val_acc = evaluate(data.x_val, data.y_val)
    print(
        f"epoch {epoch + 1}  train loss {train_loss:.4f}  val loss {val_loss:.4f}  val acc {val_acc:.3f}"
    )

print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": train_loss, "val_loss": val_loss}))
