# expect: frozen-parameters
import torch
from torch import nn

torch.manual_seed(0)
backbone = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 5))
opt = torch.optim.Adam(backbone.parameters(), lr=1e-3)
backbone[2] = nn.Linear(32, 3)  # new head attached after the optimizer was built
for _ in range(4):
    opt.zero_grad()
    nn.functional.cross_entropy(backbone(torch.randn(8, 10)), torch.randint(0, 3, (8,))).backward()
    opt.step()
