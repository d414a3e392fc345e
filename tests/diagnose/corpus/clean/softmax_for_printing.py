# expect: clean
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
X, y = torch.randn(256, 8), torch.randint(0, 3, (256,))
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    model.train()
    for i in range(0, 256, 64):
        logits = model(X[i:i + 64])
        loss = criterion(logits, y[i:i + 64])
        probs = F.softmax(logits, dim=1)  # only for reporting
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        probs = model(X).softmax(-1)
        print(epoch, probs.max(1).values.mean().item())
