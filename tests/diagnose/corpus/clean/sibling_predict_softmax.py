# expect: clean
"""A model from nets/scorer.py returns logits (softmax only in its predict method)."""
import torch
from torch import nn

from nets.scorer import Scorer

torch.manual_seed(2)
X = torch.randn(400, 6)
y = (X.sum(1) > 0).long()
model = Scorer(6, 2)
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    for i in range(0, 400, 40):
        opt.zero_grad()
        loss = loss_fn(model(X[i:i + 40]), y[i:i + 40])
        loss.backward()
        opt.step()
probs = model.predict(X[:5])
print("p(class 1):", probs[:, 1].tolist())
