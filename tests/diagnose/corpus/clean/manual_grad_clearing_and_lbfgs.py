# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(64, 3)
y = X @ torch.tensor([[1.0], [-2.0], [0.5]])
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for _ in range(5):
    for p in model.parameters():
        p.grad = None
    nn.functional.mse_loss(model(X), y).backward()
    opt.step()
for _ in range(5):
    model.zero_grad(set_to_none=False)
    nn.functional.mse_loss(model(X), y).backward()
    opt.step()
for _ in range(5):
    nn.functional.mse_loss(model(X), y).backward()
    opt.step()
    for p in model.parameters():
        p.grad.zero_()

lbfgs = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=4)


def closure():
    lbfgs.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    return loss


for _ in range(4):
    lbfgs.step(closure)
