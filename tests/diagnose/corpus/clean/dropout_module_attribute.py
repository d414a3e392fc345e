# expect: clean
"""`self.dropout = nn.Dropout(...)` called as `self.dropout(x)`: a module, it follows eval()."""
import torch
import torch.nn.functional as F
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vocab=100, dim=32, classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(dim, classes)

    def forward(self, tokens):
        x = self.embedding(tokens).mean(1)
        x = self.dropout(x)
        return self.fc(x)


torch.manual_seed(0)
model = TextClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
tokens = torch.randint(0, 100, (256, 12))
labels = tokens[:, 0] % 4
for epoch in range(3):
    for i in range(0, 256, 32):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens[i:i + 32]), labels[i:i + 32])
        loss.backward()
        optimizer.step()
