"""A residual MLP on the 8x8 digits: train, save a checkpoint, reload it, evaluate.

Bug hunt: training looks fine, but the model reloaded from its own checkpoint
scores far worse than the model that was saved, and the optimizer holds fewer
parameters than the network has. Find the cause and fix it in place.
`dllab check residual-connections --bughunt` verifies your fix.
"""

import json
import tempfile
from pathlib import Path

import torch
from torch import nn

from dllab.lessonkit.data import digits

epochs = 6
batch_size = 64
lr = 0.01
seed = 0

torch.manual_seed(seed)
torch.set_num_threads(1)  # tiny model: one thread is faster on a small CPU
data = digits("standardize")  # 1297 train / 500 val images of 8x8 = 64 pixels


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, x):
        return x + torch.relu(self.linear(x))


class ResMLP(nn.Module):
    def __init__(self, width=64, n_blocks=8):
        super().__init__()
        self.stem = nn.Linear(64, width)
        self.blocks = [Block(width) for _ in range(n_blocks)]
        self.head = nn.Linear(width, 10)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    return (model(x).argmax(1) == y).float().mean().item()


model = ResMLP()
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
criterion = nn.CrossEntropyLoss()
n_params = sum(p.numel() for group in optimizer.param_groups for p in group["params"])
print(f"optimizing {n_params} parameters")

for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(data.x_train))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        loss = criterion(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(
        f"epoch {epoch + 1}  loss {loss.item():.4f}  val acc {accuracy(model, data.x_val, data.y_val):.3f}"
    )

with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "checkpoint.pt"
    torch.save(model.state_dict(), path)
    reloaded = ResMLP()
    reloaded.load_state_dict(torch.load(path))

val_acc = accuracy(model, data.x_val, data.y_val)
reloaded_acc = accuracy(reloaded, data.x_val, data.y_val)
print(f"val acc {val_acc:.3f}, after reloading the checkpoint {reloaded_acc:.3f}")
print(
    "RESULT "
    + json.dumps({"val_acc": val_acc, "reloaded_val_acc": reloaded_acc, "n_params": n_params})
)
