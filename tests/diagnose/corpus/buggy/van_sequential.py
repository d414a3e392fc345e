# expect: vanishing-gradients
import torch
from torch import nn

torch.manual_seed(0)
layers = []
for _ in range(12):
    layers += [nn.Linear(32, 32), nn.Sigmoid()]
model = nn.Sequential(nn.Linear(8, 32), nn.Sigmoid(), *layers, nn.Linear(32, 2))
X, y = torch.randn(128, 8), torch.randint(0, 2, (128,))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for i in range(0, 128, 16):
    opt.zero_grad()
    nn.functional.cross_entropy(model(X[i:i + 16]), y[i:i + 16]).backward()
    opt.step()
