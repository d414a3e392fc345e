# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
model.eval()  # fine-tuning with frozen BatchNorm statistics, on purpose
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for _ in range(6):
    x = torch.randn(8, 8)
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), torch.randint(0, 2, (8,))).backward()
    opt.step()
