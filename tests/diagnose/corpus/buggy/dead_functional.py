# expect: dead-relu
import torch
import torch.nn.functional as F

torch.manual_seed(0)
X, y = torch.randn(512, 10), torch.randint(0, 3, (512,))
W1 = torch.randn(10, 48, requires_grad=True)
b1 = torch.full((48,), -30.0, requires_grad=True)
W2 = torch.randn(48, 3, requires_grad=True)
opt = torch.optim.SGD([W1, b1, W2], lr=0.01)
for i in range(0, 512, 64):
    h = F.relu(X[i:i + 64] @ W1 + b1)
    loss = F.cross_entropy(h @ W2, y[i:i + 64])
    opt.zero_grad()
    loss.backward()
    opt.step()
