"""Train a character-level GRU language model on the Zen of Python.

Bug hunt: the text is read as 8 rows side by side, 20 characters of each row
per batch, so each batch continues where the previous one stopped and the
GRU's hidden state is carried from batch to batch. The script stops at its
second batch with a RuntimeError. Find out why and fix it in place so that it
trains to the end with a final perplexity below 4.5.
`dllab check truncated-bptt-perplexity --bughunt` verifies your fix.
"""

import ast
import codecs
import importlib.util
import json
import math
from pathlib import Path

import torch
from torch import nn

# -----------------------------------------------------------------------------
# config
streams = 8  # rows read side by side (the batch size)
bptt = 20  # characters per row and batch
embed = 32
hidden = 64
epochs = 30
lr = 0.01
clip = 1.0
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster

# the Zen of Python is `this.s`, rot13-encoded; `import this` would print it
source = Path(importlib.util.find_spec("this").origin).read_text()
encoded = next(
    node.value.value
    for node in ast.parse(source).body
    if isinstance(node, ast.Assign) and node.targets[0].id == "s"
)
text = codecs.decode(encoded, "rot13")
chars = sorted(set(text))
vocab = len(chars)
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text])

# sequential partitioning: row r holds one contiguous piece of the text
per_row = (len(data) - 1) // streams
inputs = data[: streams * per_row].view(streams, per_row)
targets = data[1 : streams * per_row + 1].view(streams, per_row)
batches = per_row // bptt


class CharGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, h=None):
        out, h = self.gru(self.emb(x), h)  # out: (streams, bptt, hidden)
        return self.head(out), h


model = CharGRU()
optimizer = torch.optim.Adam(model.parameters(), lr=lr)

for epoch in range(epochs):
    h = None
    total = 0.0
    for b in range(batches):
        x = inputs[:, b * bptt : (b + 1) * bptt]
        y = targets[:, b * bptt : (b + 1) * bptt]
        logits, h = model(x, h)
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        total += loss.item()
    ppl = math.exp(total / batches)
    if (epoch + 1) % 5 == 0:
        print(f"epoch {epoch + 1:2d}  perplexity {ppl:.2f}")

print("RESULT " + json.dumps({"final_ppl": ppl}))
