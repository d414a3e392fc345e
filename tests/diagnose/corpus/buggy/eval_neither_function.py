# expect: missing-eval, eval-without-no-grad
"""An evaluate() that lacks both model.eval() and torch.no_grad(): dropout on, graphs recorded."""
import torch
import torch.nn.functional as F
from torch import nn


def evaluate(model, x, y):
    correct, total = 0, 0
    for i in range(0, len(x), 50):
        logits = model(x[i:i + 50])
        correct += (logits.argmax(1) == y[i:i + 50]).sum().item()
        total += 50
    return correct / total


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randn(400, 8), torch.randint(0, 2, (400,))
for epoch in range(3):
    model.train()
    for i in range(0, 300, 30):
        optimizer.zero_grad()
        F.cross_entropy(model(x[i:i + 30]), y[i:i + 30]).backward()
        optimizer.step()
    print(f"epoch {epoch}: accuracy {evaluate(model, x[300:], y[300:]):.2f}")
