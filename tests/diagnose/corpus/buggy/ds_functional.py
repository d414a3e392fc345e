# expect: double-softmax
import torch
import torch.nn.functional as F

torch.manual_seed(0)
X = torch.randn(128, 5)
y = (X.sum(1) > 0).long()
W = (torch.randn(5, 2) * 0.1).requires_grad_()
for step in range(6):
    probs = torch.softmax(X @ W, dim=1)
    loss = F.cross_entropy(probs, y)
    loss.backward()
    with torch.no_grad():
        W -= 0.5 * W.grad
        W.grad.zero_()
