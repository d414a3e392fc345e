# expect: missing-train
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(128, 8), torch.randint(0, 3, (128,))
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
for epoch in range(3):
    for i in range(0, 128, 32):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        print(nn.functional.cross_entropy(model(X), y).item())
