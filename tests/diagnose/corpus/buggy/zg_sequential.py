# expect: missing-zero-grad
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(256, 6), torch.randint(0, 2, (256,))
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(2):
    for i in range(0, 256, 32):
        loss = nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32])
        loss.backward()
        opt.step()
