# expect: clean
"""The same 4-3-3 net with standardized inputs and a sane learning rate: its units stay alive."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
centers = torch.tensor([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
x = torch.cat([c + 0.3 * torch.randn(50, 4) for c in centers])
x = (x - x.mean(0)) / x.std(0)
y = torch.arange(3).repeat_interleave(50)
model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(60):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
