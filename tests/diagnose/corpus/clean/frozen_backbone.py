# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
backbone = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
for p in backbone.parameters():
    p.requires_grad_(False)
model = nn.Sequential(backbone, nn.Linear(32, 3))
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
for _ in range(8):
    x = torch.randn(16, 10)
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), torch.randint(0, 3, (16,))).backward()
    opt.step()
