"""Bug hunt: a digit classifier that trains, but badly.

The training loss hardly moves from 2.3 and validation accuracy stays near 0.5,
far below what a 3-layer MLP reaches on these digits (over 0.9 within 5
epochs). Nothing crashes. Find the bug, fix it in place, and run
`dllab check logits-not-probabilities --bughunt`.
"""

import json

import torch
from torch import nn

from dllab.lessonkit.data import digits

# --- config
epochs = 10
batch_size = 64
lr = 0.1  # plain SGD
seed = 0

torch.manual_seed(seed)
torch.set_num_threads(1)  # tiny model: one thread is faster on a small CPU
data = digits("standardize")  # 1297 train / 500 val images of 8x8 = 64 pixels


class Classifier(nn.Module):
    def __init__(self, n_in: int = 64, width: int = 128, n_classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


model = Classifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)


@torch.no_grad()
def val_accuracy() -> float:
    model.eval()
    pred = model(data.x_val).argmax(dim=1)
    model.train()
    return (pred == data.y_val).float().mean().item()


# --- training
for epoch in range(epochs):
    order = torch.randperm(len(data.x_train))
    losses = []
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        loss = criterion(model(data.x_train[idx]), data.y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    train_loss = sum(losses) / len(losses)
    print(f"epoch {epoch + 1:2d}  train loss {train_loss:.4f}  val acc {val_accuracy():.3f}")

print("RESULT " + json.dumps({"val_acc": val_accuracy(), "train_loss": train_loss}))
