# expect: missing-zero-grad, exploding-gradients
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
X = torch.randn(1024, 16)
y = X @ torch.randn(16, 1) + 0.1 * torch.randn(1024, 1)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x)


model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
accum_steps = 4
optimizer.zero_grad()
for epoch in range(20):
    for i in range(0, 1024, 32):
        pred = model(X[i:i + 32])
        loss = F.mse_loss(pred, y[i:i + 32]) / accum_steps
        loss.backward()
        if (i // 32 + 1) % accum_steps == 0:
            optimizer.step()
    print(f"epoch {epoch} loss {loss.item() * accum_steps:.4f}")
