# expect: loss-accumulation-graph
import torch
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(512, 8), torch.randint(0, 3, (512,))
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    total_loss = 0
    for i in range(0, 512, 32):
        opt.zero_grad()
        loss = criterion(model(X[i:i + 32]), y[i:i + 32])
        loss.backward()
        opt.step()
        total_loss += loss
    print(epoch, total_loss / 16)
