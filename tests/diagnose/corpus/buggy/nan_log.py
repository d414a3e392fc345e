# expect: non-finite
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU())
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(32, 4)
for step in range(5):
    opt.zero_grad()
    out = model(x)
    loss = -torch.log(out).mean()  # log(0) when the ReLU output is 0
    loss.backward()
    opt.step()
