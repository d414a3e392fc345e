# expect: functional-dropout
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, tokens):
        h = self.emb(tokens).mean(1)
        return self.out(nn.functional.dropout(h, p=0.3))


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = Encoder()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.data = [(torch.randint(0, 50, (8, 5)), torch.randint(0, 3, (8,))) for _ in range(4)]

    def fit(self):
        self.model.train()
        for x, y in self.data:
            self.opt.zero_grad()
            nn.functional.cross_entropy(self.model(x), y).backward()
            self.opt.step()

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        return [self.model(x).argmax(1) for x, _ in self.data]


t = Trainer()
t.fit()
t.evaluate()
