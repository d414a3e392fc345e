# expect: optimizer-updates-nothing
"""Temperature scaling whose only parameter enters the loss through .item(): it never gets a gradient."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
classifier = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 4))
x_val, y_val = torch.randn(200, 6), torch.randint(0, 4, (200,))
temperature = nn.Parameter(torch.ones(1) * 1.5)
optimizer = torch.optim.SGD([temperature], lr=0.01)
for step in range(50):
    optimizer.zero_grad()
    logits = classifier(x_val)
    loss = F.cross_entropy(logits / temperature.item(), y_val)
    loss.backward()
    optimizer.step()
print(f"temperature {temperature.item():.3f}")
