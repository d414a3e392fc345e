# expect: no-training-step
import torch
import torch.nn.functional as F

torch.manual_seed(0)
X = torch.randn(256, 6)
y = (X[:, 0] > 0).long()
W1 = (torch.randn(6, 16) * 0.4).requires_grad_()
W2 = (torch.randn(16, 2) * 0.4).requires_grad_()
for step in range(20):
    h = F.relu(X @ W1)
    loss = F.cross_entropy(h @ W2, y)
    loss.backward()
    with torch.no_grad():
        for w in (W1, W2):
            w -= 0.1 * w.grad
            w.grad = None
