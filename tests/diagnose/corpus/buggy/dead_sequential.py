# expect: dead-relu
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(512, 10), torch.randint(0, 4, (512,))
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
with torch.no_grad():
    model[2].bias.fill_(-20.0)  # every unit of the second ReLU starts (and stays) dead
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(2):
    for i in range(0, 512, 128):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 128]), y[i:i + 128]).backward()
        opt.step()
