# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(128, 8), torch.randint(0, 2, (128,))
model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(3):
    model.train(True)
    for i in range(0, 128, 32):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
    model.train(False)
    with torch.inference_mode():
        acc = (model(X).argmax(1) == y).float().mean().item()
