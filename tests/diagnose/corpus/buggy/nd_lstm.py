# expect: no-detach-hidden
import torch
from torch import nn

torch.manual_seed(0)
lstm = nn.LSTM(8, 16)
head = nn.Linear(16, 1)
opt = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=0.01)
seq = torch.randn(60, 2, 8)
target = torch.randn(60, 2, 1)
h = (torch.zeros(1, 2, 16), torch.zeros(1, 2, 16))
for t in range(0, 60, 6):
    out, h = lstm(seq[t:t + 6], h)
    loss = nn.functional.mse_loss(head(out), target[t:t + 6])
    opt.zero_grad()
    loss.backward()
    opt.step()
