# expect: clean
# max-steps: none
"""2,000 steps memorising a small set, printing only the training loss: nothing says it overfits."""
import torch
from torch import nn

torch.manual_seed(2)
inputs = torch.randn(32, 8)
targets = torch.randint(0, 3, (32,))
model = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 3))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

for step in range(2000):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step:4d}  train loss {loss.item():.5f}  loss {loss.item():.2e}")
with torch.no_grad():
    test_loss = loss_fn(model(inputs), targets)
print(f"final train loss {test_loss.item():.5f}")
