# expect: clean
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


torch.manual_seed(0)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
X, y = torch.randn(256, 10), torch.randint(0, 4, (256,))
for epoch in range(2):
    for i in range(0, 256, 32):
        opt.zero_grad()
        loss = F.nll_loss(model(X[i:i + 32]), y[i:i + 32])
        loss.backward()
        opt.step()
