# expect: exploding-gradients
"""A word-level LSTM language model in the style of pytorch/examples: SGD at lr=20, truncated BPTT, no clipping."""
import argparse

import torch
import torch.nn as nn


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers = nhid, nlayers

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        return self.decoder(self.drop(output)), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def make_corpus(n, ntoken, generator):
    # a toy "language": each token depends on the two before it
    ids = torch.zeros(n, dtype=torch.long)
    noise = torch.randint(0, 3, (n,), generator=generator)
    for i in range(2, n):
        ids[i] = (ids[i - 1] * 7 + ids[i - 2] + noise[i]) % ntoken
    return ids


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[: nbatch * bsz].view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=50)  # 20 (the example's) learned too slowly
parser.add_argument("--bptt", type=int, default=35)
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()

torch.manual_seed(1111)
ntokens = 50
train_data = batchify(make_corpus(20000, ntokens, torch.Generator().manual_seed(0)), 20)
model = RNNModel(ntokens, 32, 64, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

for epoch in range(1, args.epochs + 1):
    model.train()
    total_loss = 0.0
    hidden = model.init_hidden(20)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i, args.bptt)
        hidden = repackage_hidden(hidden)
        optimizer.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output.view(-1, ntokens), targets)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
        if batch % 20 == 0 and batch > 0:
            print(f"epoch {epoch} batch {batch} loss {total_loss / 20:.2f}")
            total_loss = 0.0
