# expect: overfitting
# max-steps: none
"""Training loss reaches ~0 and stays there while validation loss keeps rising."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_split(n, generator):
    x = torch.randn(n, 16, generator=generator)
    y = ((x[:, 0] + 0.8 * torch.randn(n, generator=generator)) > 0).long()
    return TensorDataset(x, y)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())
        self.head = nn.Linear(128, 2)

    def forward(self, x):
        return self.head(self.body(x))


def evaluate(model, loader):
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for x, y in loader:
            total += F.cross_entropy(model(x), y, reduction="sum").item()
            count += len(y)
    return total / count


g = torch.Generator().manual_seed(3)
train_loader = DataLoader(make_split(96, g), batch_size=32, shuffle=True, generator=g)
val_loader = DataLoader(make_split(512, g), batch_size=256)
torch.manual_seed(3)
model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(40):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    val_loss = evaluate(model, val_loader)
    if epoch % 10 == 0:
        print(f"epoch {epoch}: val loss {val_loss:.3f}")
