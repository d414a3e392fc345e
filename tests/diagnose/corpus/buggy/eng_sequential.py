# expect: eval-without-no-grad
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(128, 8), torch.randint(0, 3, (128,))
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    model.train()
    for i in range(0, 128, 32):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
    model.eval()
    correct = 0
    for i in range(0, 128, 64):
        correct += (model(X[i:i + 64]).argmax(1) == y[i:i + 64]).sum().item()
    print(epoch, correct / 128)
