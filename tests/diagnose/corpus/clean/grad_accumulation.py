# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
ACCUM = 4
X, y = torch.randn(256, 8), torch.randint(0, 3, (256,))
model = nn.Sequential(nn.Linear(8, 24), nn.ReLU(), nn.Linear(24, 3))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
opt.zero_grad()
running = 0.0
for i, start in enumerate(range(0, 256, 16)):
    loss = nn.functional.cross_entropy(model(X[start:start + 16]), y[start:start + 16]) / ACCUM
    loss.backward()
    running += loss.item()
    if (i + 1) % ACCUM == 0:
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
