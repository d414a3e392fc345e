# expect: dead-relu
"""He-initialised ReLU MLP, SGD with Nesterov momentum at lr=0.5: the hidden units die during training."""
import torch
import torch.nn.functional as F
from torch import nn


class MLP(nn.Module):
    def __init__(self, d_in=16, hidden=96, classes=3):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(hidden, hidden)
        self.relu2 = nn.ReLU()
        self.out = nn.Linear(hidden, classes)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.out(self.relu2(self.fc2(self.relu1(self.fc1(x)))))


torch.manual_seed(0)
X = torch.randn(1024, 16)
y = (X[:, :3] * torch.tensor([1.0, -2.0, 0.5])).argmax(1)
model = MLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9, nesterov=True)
for epoch in range(4):
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 64):
        idx = perm[i:i + 64]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
    print(epoch, loss.item())
