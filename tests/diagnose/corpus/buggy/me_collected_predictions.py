# expect: missing-eval
"""Validation collects the predictions batch by batch and scores them at the end; the
CNN's Dropout and BatchNorm stay in training mode throughout."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(8 * 4 * 4, 3))

    def forward(self, x):
        return self.head(self.features(x))


torch.manual_seed(0)
images, labels = torch.randn(384, 1, 8, 8), torch.randint(0, 3, (384,))
train_loader = DataLoader(TensorDataset(images[:256], labels[:256]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(images[256:], labels[256:]), batch_size=64)
model = SmallCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
criterion = nn.CrossEntropyLoss()
for epoch in range(2):
    for x, y in train_loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    preds, targets = [], []
    with torch.no_grad():
        for x, y in val_loader:
            preds.append(model(x).argmax(dim=1))
            targets.append(y)
    accuracy = (torch.cat(preds) == torch.cat(targets)).float().mean().item()
    print(f"epoch {epoch}: val accuracy {accuracy:.3f}")
