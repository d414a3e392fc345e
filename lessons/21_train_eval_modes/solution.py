"""Train an MLP with BatchNorm and Dropout on the 8x8 digits and report its accuracy.

Reference solution of the train-eval-modes bug hunt: validate() ran the model
in training mode, so every validation pass dropped a random half of the hidden
units (a different half each time: noisy, and pessimistic) and BatchNorm
normalized with the validation batch's own statistics while writing them into
its running averages. `model.eval()` turns Dropout off and makes BatchNorm use
the running statistics; the training loop already calls `model.train()` at the
start of each epoch.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

# -----------------------------------------------------------------------------
# config
width = 128
dropout = 0.5
epochs = 15
batch_size = 64
lr = 1e-3
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster
data = digits("standardize")  # 1297 train / 500 val, 64 features, z-scored

model = nn.Sequential(
    nn.Linear(64, width),
    nn.BatchNorm1d(width),
    nn.ReLU(),
    nn.Dropout(dropout),
    nn.Linear(width, width),
    nn.BatchNorm1d(width),
    nn.ReLU(),
    nn.Dropout(dropout),
    nn.Linear(width, 10),
)
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
loss_fn = nn.CrossEntropyLoss()


@torch.no_grad()
def validate():
    model.eval()  # FIX: Dropout off, BatchNorm on its running statistics
    logits = model(data.x_val)  # (500, 64) -> (500, 10)
    loss = loss_fn(logits, data.y_val).item()
    acc = (logits.argmax(1) == data.y_val).float().mean().item()
    return loss, acc


history = []
for epoch in range(1, epochs + 1):
    model.train()
    total, n = 0.0, 0
    for idx in torch.randperm(len(data.x_train)).split(batch_size):
        if len(idx) < 2:  # BatchNorm cannot normalize a batch of one
            continue
        loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total, n = total + loss.item() * len(idx), n + len(idx)
    val_loss, val_acc = validate()
    history.append(val_acc)
    print(
        f"epoch {epoch:2d}  train loss {total / n:.4f}  val loss {val_loss:.4f}  val acc {val_acc:.3f}"
    )

last5 = history[-5:]
print(
    f"val acc over the last 5 epochs: mean {sum(last5) / 5:.3f}, min {min(last5):.3f}, max {max(last5):.3f}"
)
print(
    "RESULT "
    + json.dumps({"val_acc": sum(last5) / 5, "val_acc_min": min(last5), "val_acc_max": max(last5)})
)
