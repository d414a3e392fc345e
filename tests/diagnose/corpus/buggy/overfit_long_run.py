# expect: overfitting
# max-steps: none
"""A 2,000-step full-batch fit on 64 noisy samples: validation loss turns up after step 300."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x_train, x_val = torch.randn(64, 10), torch.randn(256, 10)
y_train = ((x_train[:, 0] + 0.7 * torch.randn(64)) > 0).long()
y_val = ((x_val[:, 0] + 0.7 * torch.randn(256)) > 0).long()

model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
opt = torch.optim.Adam(model.parameters(), lr=2e-4)
history = []
for step in range(2000):
    model.train()
    opt.zero_grad()
    loss = F.cross_entropy(model(x_train), y_train)
    loss.backward()
    opt.step()
    if step % 50 == 0:
        model.eval()
        with torch.no_grad():
            history.append(F.cross_entropy(model(x_val), y_val).item())
print(f"final train {loss.item():.4f}, val {history[-1]:.3f} (best {min(history):.3f})")
