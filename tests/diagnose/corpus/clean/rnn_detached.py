# expect: clean
import torch
from torch import nn


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 16)
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.out = nn.Linear(32, 30)

    def forward(self, x, hidden):
        y, hidden = self.lstm(self.emb(x), hidden)
        return self.out(y), hidden


def repackage_hidden(h):
    return tuple(v.detach() for v in h)


torch.manual_seed(0)
model = LM()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
data = torch.randint(0, 30, (4, 121))
hidden = (torch.zeros(1, 4, 32), torch.zeros(1, 4, 32))
for i in range(0, 120, 12):
    hidden = repackage_hidden(hidden)
    logits, hidden = model(data[:, i:i + 12], hidden)
    loss = nn.functional.cross_entropy(logits.reshape(-1, 30), data[:, i + 1:i + 13].reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    opt.step()
