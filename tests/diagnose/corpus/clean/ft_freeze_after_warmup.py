# expect: clean
"""Train everything for a warm-up epoch, then freeze the encoder and keep training the head with the same optimizer."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(12, 48), nn.ReLU(), nn.Linear(48, 48), nn.ReLU())
head = nn.Linear(48, 3)
model = nn.Sequential(encoder, head)
optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-3)
data = [(torch.randn(32, 12), torch.randint(0, 3, (32,))) for _ in range(8)]

for epoch in range(4):
    if epoch == 1:  # warm-up done: the encoder stays as it is from here on
        for p in encoder.parameters():
            p.requires_grad = False
    for x, y in data:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: {loss.item():.3f}")
