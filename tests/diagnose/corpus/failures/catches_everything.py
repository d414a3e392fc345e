import torch
from torch import nn

model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
step = 0
while True:  # a loop that never ends and swallows exceptions: --max-steps must still stop it
    try:
        opt.zero_grad()
        model(torch.randn(8, 4)).pow(2).mean().backward()
        opt.step()
        step += 1
    except Exception:
        pass
