# expect: clean
"""A tagger from nets/tagger.py returns log_softmax, trained with NLLLoss: correct."""
import torch
from torch import nn

from nets.tagger import Tagger

torch.manual_seed(3)
X = torch.randn(300, 12)
y = torch.randint(0, 5, (300,))
model = Tagger(12, 5)
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(5):
    for i in range(0, 300, 30):
        optimizer.zero_grad()
        criterion(model(X[i:i + 30]), y[i:i + 30]).backward()
        optimizer.step()
