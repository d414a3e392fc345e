# expect: functional-dropout
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        h = F.dropout(F.relu(self.fc1(x)), 0.5)  # still active after model.eval()
        return self.fc2(h)


torch.manual_seed(0)
model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
for epoch in range(2):
    model.train()
    for i in range(0, 64, 16):
        opt.zero_grad()
        F.cross_entropy(model(X[i:i + 16]), y[i:i + 16]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X).argmax(1) == y).float().mean()
