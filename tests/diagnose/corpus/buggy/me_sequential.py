# expect: missing-eval
import torch
from torch import nn

torch.manual_seed(0)
Xtr, ytr = torch.randn(128, 8), torch.randint(0, 3, (128,))
Xva, yva = torch.randn(64, 8), torch.randint(0, 3, (64,))
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(2):
    for i in range(0, 128, 32):
        opt.zero_grad()
        loss_fn(model(Xtr[i:i + 32]), ytr[i:i + 32]).backward()
        opt.step()
    with torch.no_grad():
        val = loss_fn(model(Xva), yva).item()
    print(f"epoch {epoch} val {val:.3f}")
