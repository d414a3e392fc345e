# expect: double-softmax
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
X = torch.randn(256, 8)
y = (X[:, 0] > 0).long()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        logits = self.fc2(x)
        probs = F.softmax(logits, dim=-1)
        return probs


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(8):
    idx = torch.randint(0, 256, (32,))
    out = model(X[idx])
    loss = F.cross_entropy(out, y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
