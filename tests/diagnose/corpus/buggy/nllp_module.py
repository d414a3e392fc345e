# expect: nll-probabilities
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


torch.manual_seed(0)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.NLLLoss()
X, y = torch.randn(128, 8), torch.randint(0, 4, (128,))
for i in range(0, 128, 32):
    opt.zero_grad()
    loss = criterion(model(X[i:i + 32]), y[i:i + 32])
    loss.backward()
    opt.step()
