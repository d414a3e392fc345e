# expect: exploding-gradients, non-finite
import torch

torch.manual_seed(0)
X = torch.randn(256, 4) * 3
w_true = torch.randn(4, 1)
y = X @ w_true
w = torch.zeros(4, 1, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.5)  # lr far above 2/lambda_max: every step overshoots more
for step in range(60):
    loss = ((X @ w - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
