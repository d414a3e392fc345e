# expect: no-training-step
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(512, 10)
y = (X[:, :2].sum(1) > 0).long()
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(5):
    for i in range(0, 512, 64):
        optimizer.zero_grad()
        loss = criterion(model(X[i:i + 64]), y[i:i + 64])
        loss.backward()
    print(epoch, loss.item())
