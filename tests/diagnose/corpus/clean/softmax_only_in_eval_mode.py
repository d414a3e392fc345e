# expect: clean
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        logits = self.fc(F.dropout(x, p=0.1, training=self.training))
        if self.training:
            return logits
        return F.softmax(logits, dim=-1)


torch.manual_seed(0)
model = Classifier()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(128, 6), torch.randint(0, 4, (128,))
for epoch in range(3):
    model.train()
    for i in range(0, 128, 32):
        opt.zero_grad()
        F.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        probs = model(X)
        running = 0.0
        running += F.nll_loss(probs.log(), y).detach()
