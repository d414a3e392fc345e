"""Reuse a CNN trained on digits 0-4 to read digits 5-9 from 5 labelled images per class.

Reference solution of the transfer-learning bug hunt: the optimizer was built
from model.fc.parameters() *before* model.fc was replaced, so it held the old
head, which is no longer part of the model and never gets a gradient, while the
new head got gradients on every step and no optimizer applied them. Attach the
new head first, then build the optimizer over what requires grad.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

# -----------------------------------------------------------------------------
# config
pretrain_epochs = 10
labels_per_class = 5  # labelled images of each new digit
head_steps = 150  # full-batch steps on the new task
lr = 0.01
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster
data = digits("pixels16")  # 1297 train / 500 val, pixels in [0, 1]


def subset(x, y, classes):
    keep = (y >= classes[0]) & (y <= classes[-1])
    return x[keep].view(-1, 1, 8, 8), y[keep] - classes[0]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        )  # fmt: skip
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        return self.fc(self.backbone(x))


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    acc = (model(x).argmax(1) == y).float().mean().item()
    model.train()
    return acc


# 1. pretrain on digits 0-4
x_src, y_src = subset(data.x_train, data.y_train, [0, 1, 2, 3, 4])
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
for _ in range(pretrain_epochs):
    for idx in torch.randperm(len(x_src)).split(64):
        loss = nn.functional.cross_entropy(model(x_src[idx]), y_src[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
x_src_val, y_src_val = subset(data.x_val, data.y_val, [0, 1, 2, 3, 4])
print(f"pretrained on 0-4: val acc {accuracy(model, x_src_val, y_src_val):.3f}")

# 2. the new task: digits 5-9, a few labels each
x_new, y_new = subset(data.x_train, data.y_train, [5, 6, 7, 8, 9])
pick = torch.cat([torch.nonzero(y_new == c).flatten()[:labels_per_class] for c in range(5)])
x_few, y_few = x_new[pick], y_new[pick]
x_val, y_val = subset(data.x_val, data.y_val, [5, 6, 7, 8, 9])

# freeze the pretrained backbone, train only the classifier
for p in model.backbone.parameters():
    p.requires_grad = False
model.fc = nn.Linear(32, 5)  # a fresh head for the new classes
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)

for step in range(head_steps):
    loss = nn.functional.cross_entropy(model(x_few), y_few)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (step + 1) % 25 == 0:
        acc = accuracy(model, x_val, y_val)
        print(f"step {step + 1:3d}  loss {loss.item():.4f}  val acc {acc:.3f}")

val_acc = accuracy(model, x_val, y_val)
print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": loss.item()}))
