# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
X, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
for epoch in range(3):
    model.train()
    for i in range(0, 64, 16):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 16]), y[i:i + 16]).backward()
        opt.step()
    # saliency map: gradients w.r.t. the input, in eval mode, on purpose without no_grad
    model.eval()
    x = X[:4].clone().requires_grad_(True)
    model(x).max(1).values.sum().backward()
    saliency = x.grad.abs()
