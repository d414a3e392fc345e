# expect: clean
# max-steps: none
"""StepLR(step_size=4) stepped once per epoch, after the batch loop: the decay the recipe meant."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(2)
X = torch.randn(1024, 12)
y = torch.randint(0, 3, (1024,))
model = nn.Sequential(nn.Linear(12, 48), nn.ReLU(), nn.Linear(48, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
for epoch in range(12):
    for i in range(0, 1024, 32):
        optimizer.zero_grad()
        F.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        optimizer.step()
    scheduler.step()
