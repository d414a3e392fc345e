# expect: clean
import torch
import torch.nn.functional as F
from torch import nn


class TinyAttention(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, 2)

    def forward(self, x):  # (B, T, d)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        att = F.softmax(q @ k.transpose(1, 2) / 8**0.5, dim=-1)  # (B, T, T)
        return self.out((att @ v).mean(1))


torch.manual_seed(0)
model = TinyAttention()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(6):
    x = torch.randn(4, 5, 8)
    opt.zero_grad()
    F.cross_entropy(model(x), torch.randint(0, 2, (4,))).backward()
    opt.step()
