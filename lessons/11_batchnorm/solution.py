"""Train an MLP with BatchNorm on the 8x8 digits, then score it on the validation set.

Reference solution of the batchnorm bug hunt: in train mode each BatchNorm
layer normalizes with the statistics of the current batch, here 5 validation
images, so every prediction depended on its four batch-mates (and the
evaluation overwrote the running statistics). `model.eval()` makes BN use the
running mean and variance collected in training; the training loop calls
`model.train()` again at the start of each epoch.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

epochs = 6
batch_size = 64
eval_batch_size = 5
lr = 0.05
seed = 0

torch.manual_seed(seed)
torch.set_num_threads(1)  # tiny model: one thread is faster on a small CPU
data = digits("standardize")  # 1297 train / 500 val images of 8x8 = 64 pixels

model = nn.Sequential(
    nn.Linear(64, 128),
    nn.BatchNorm1d(128),
    nn.ReLU(),
    nn.Linear(128, 128),
    nn.BatchNorm1d(128),
    nn.ReLU(),
    nn.Linear(128, 10),
)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def accuracy(x, y):
    model.eval()  # FIX: BN uses its running statistics, not those of 5 images
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), eval_batch_size):
            pred = model(x[i : i + eval_batch_size]).argmax(1)
            correct += (pred == y[i : i + eval_batch_size]).sum().item()
    return correct / len(x)


for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(data.x_train))
    total = 0.0
    for i in range(0, len(order) - batch_size + 1, batch_size):
        idx = order[i : i + batch_size]
        loss = criterion(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    train_loss = total / (len(order) // batch_size)
    val_acc = accuracy(data.x_val, data.y_val)
    print(f"epoch {epoch + 1}  train loss {train_loss:.4f}  val acc {val_acc:.3f}")

print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": train_loss}))
