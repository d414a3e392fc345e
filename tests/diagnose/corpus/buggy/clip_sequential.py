# expect: clip-after-step
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(128, 8), torch.randn(128, 1)
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for i in range(0, 128, 16):
    opt.zero_grad()
    nn.functional.mse_loss(model(X[i:i + 16]), y[i:i + 16]).backward()
    opt.step()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
