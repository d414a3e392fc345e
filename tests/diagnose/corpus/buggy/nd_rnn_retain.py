# expect: no-detach-hidden
import torch
from torch import nn


class CharRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 16)
        self.rnn = nn.RNN(16, 32, batch_first=True)
        self.out = nn.Linear(32, 20)

    def forward(self, x, hidden):
        out, hidden = self.rnn(self.emb(x), hidden)
        return self.out(out), hidden


torch.manual_seed(0)
model = CharRNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
data = torch.randint(0, 20, (4, 81))
hidden = torch.zeros(1, 4, 32)
for i in range(0, 80, 10):
    x, y = data[:, i:i + 10], data[:, i + 1:i + 11]
    logits, hidden = model(x, hidden)
    loss = nn.functional.cross_entropy(logits.reshape(-1, 20), y.reshape(-1))
    opt.zero_grad()
    loss.backward(retain_graph=True)  # "fixes" the error instead of detaching
    opt.step()
