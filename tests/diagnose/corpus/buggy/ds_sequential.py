# expect: double-softmax
import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(256, 8)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3), nn.Softmax(dim=1))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for i in range(0, 256, 64):
        opt.zero_grad()
        loss = criterion(model(X[i:i + 64]), y[i:i + 64])
        loss.backward()
        opt.step()
