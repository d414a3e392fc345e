# expect: softmax-dim
import torch
from torch import nn

torch.manual_seed(0)
attn_scores = nn.Sequential(nn.Linear(6, 6), nn.Softmax())
x = torch.randn(3, 5, 6)
opt = torch.optim.SGD(attn_scores.parameters(), lr=0.1)
for _ in range(3):
    weights = attn_scores(x)
    loss = (weights * x).sum(-1).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
