"""Train an LSTM to say which of 4 symbols came first in a sequence of 20.

Bug hunt: this script runs without an error, and an LSTM with its forget-gate
bias set should solve this task within 300 steps, yet the validation accuracy
stays near 0.25, the score of guessing. Find out why and fix it in place.
`dllab check rnn-vanishing-gates --bughunt` verifies your fix.
"""

import json

import torch
from torch import nn

# -----------------------------------------------------------------------------
# config
vocab = 4
embed = 8
hidden = 32
seq_len = 20
batch_size = 64
steps = 300
lr = 0.01
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster


def make_batch(n, generator):
    tokens = torch.randint(0, vocab, (n, seq_len), generator=generator)
    return tokens, tokens[:, 0]  # the label is the first token


class FirstToken(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden)
        self.head = nn.Linear(hidden, vocab)
        with torch.no_grad():  # forget gate starts open: +1 in each of its two biases
            self.lstm.bias_ih_l0[hidden : 2 * hidden].fill_(1.0)
            self.lstm.bias_hh_l0[hidden : 2 * hidden].fill_(1.0)

    def forward(self, tokens):
        x = self.emb(tokens)  # (batch, seq_len, embed)
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


model = FirstToken()
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
train_gen = torch.Generator().manual_seed(seed)
x_val, y_val = make_batch(500, torch.Generator().manual_seed(1234))


@torch.no_grad()
def evaluate():
    model.eval()
    acc = (model(x_val).argmax(1) == y_val).float().mean().item()
    model.train()
    return acc


losses = []
for step in range(steps):
    tokens, labels = make_batch(batch_size, train_gen)
    loss = nn.functional.cross_entropy(model(tokens), labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if (step + 1) % 50 == 0:
        print(f"step {step + 1:3d}  loss {sum(losses[-50:]) / 50:.4f}  val acc {evaluate():.3f}")

val_acc = evaluate()
train_loss = sum(losses[-50:]) / 50
print("RESULT " + json.dumps({"val_acc": val_acc, "train_loss": train_loss}))
