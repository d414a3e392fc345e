"""Character LSTM language model with truncated BPTT: 100 steps."""

import torch
from torch import nn


class LM(nn.Module):
    def __init__(self, vocab=64, dim=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, vocab)

    def forward(self, x, hidden):
        y, hidden = self.lstm(self.emb(x), hidden)
        return self.out(y), hidden


torch.manual_seed(0)
model = LM()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
data = torch.randint(0, 64, (16, 32 * 100 + 1))
hidden = None
for i in range(0, 32 * 100, 32):
    if hidden is not None:
        hidden = tuple(h.detach() for h in hidden)
    logits, hidden = model(data[:, i : i + 32], hidden)
    loss = nn.functional.cross_entropy(logits.reshape(-1, 64), data[:, i + 1 : i + 33].reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
