# expect: overfitting
import torch
from torch import nn

torch.manual_seed(0)
Xtr, ytr = torch.randn(32, 20), torch.randint(0, 4, (32,))  # random labels: nothing to generalise
Xva, yva = torch.randn(256, 20), torch.randint(0, 4, (256,))
model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 4))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(30):
    model.train()
    opt.zero_grad()
    loss = loss_fn(model(Xtr), ytr)
    loss.backward()
    opt.step()
    model.eval()
    with torch.no_grad():
        val = loss_fn(model(Xva), yva)
