# expect: softmax-dim
import torch
import torch.nn.functional as F
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 5)

    def forward(self, x):  # x: (batch, seq, 8)
        return F.log_softmax(self.proj(x))  # implicit dim is 0 for 3-D: normalises over the batch


torch.manual_seed(0)
model = Tagger()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, tags = torch.randn(4, 7, 8), torch.randint(0, 5, (4, 7))
for _ in range(4):
    opt.zero_grad()
    F.nll_loss(model(x).reshape(-1, 5), tags.reshape(-1)).backward()
    opt.step()
