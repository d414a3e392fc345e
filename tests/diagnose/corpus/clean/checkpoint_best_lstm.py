# expect: clean
"""Keeps the best model with copy.deepcopy and saves the whole module with torch.save."""
import copy
import os
import tempfile

import torch
from torch import nn


class SequenceClassifier(nn.Module):
    def __init__(self, n_in=6, hidden=16, n_classes=3):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):
        y, _ = self.lstm(x)
        y, _ = self.gru(y)
        return self.head(y[:, -1])


torch.manual_seed(0)
x = torch.randn(256, 8, 6)
y = (x[:, :, 0].sum(1) > 0).long() + (x[:, :, 1].sum(1) > 2).long()
model = SequenceClassifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
best, best_loss = None, float("inf")
for epoch in range(6):
    model.train()
    for i in range(0, 224, 32):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x[i:i + 32]), y[i:i + 32])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val = nn.functional.cross_entropy(model(x[224:]), y[224:]).item()
    if val < best_loss:
        best, best_loss = copy.deepcopy(model), val

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "best.pt")
    torch.save(best, path)
    restored = torch.load(path, weights_only=False)
    restored.load_state_dict(model.state_dict())
print(f"best validation loss {best_loss:.3f}")
