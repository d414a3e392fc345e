# expect: double-softmax
"""The model lives in nets/classifier.py and ends in nn.Softmax; the script uses CrossEntropyLoss."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nets.classifier import Classifier

torch.manual_seed(0)
X = torch.randn(512, 10)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)

model = Classifier(10, 3)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}")
