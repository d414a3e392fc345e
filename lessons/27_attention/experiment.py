"""Attention removes the last-state bottleneck: the first-token task at long T.

Task (as in rnn-vanishing-gates): T tokens from 4 symbols, label = the first.
Models, all with 32-dimensional states, Adam, a fresh batch of 64 per step:

- `gru`: Embedding -> GRU -> the last hidden state -> Linear. Token 1 must
  survive T - 1 recurrent steps (path length T).
- `gru_attn`: the same GRU, but a learned query scores every hidden state,
  softmax over positions gives weights a_t, and the classifier reads
  sum_t a_t h_t: every state is one step from the output.
- `attn`: no recurrence at all. Token embedding + learned position embedding,
  then one `nn.MultiheadAttention(32, 1, batch_first=True)` whose query is a
  learned vector and whose keys and values are the T positions.

The weights a_t (mean over the validation set) are recorded at every evaluation
as `attn/<t>`, and `attn_first` is the weight on position 1. With
`posenc = false` the attention model sees the tokens without their positions:
a weighted average over a set, which is the same for any order of the tokens.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread

VOCAB = 4
DIM = 32
BATCH = 64
N_VAL = 256
VAL_SEED = 1234
VAL_EVERY = 20


class GRULast(nn.Module):
    def __init__(self, seq_len: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM)
        self.gru = nn.GRU(DIM, DIM, batch_first=True)
        self.head = nn.Linear(DIM, VOCAB)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        out, _ = self.gru(self.emb(tokens))  # (B, T, 32)
        return self.head(out[:, -1]), None


class GRUAttn(GRULast):
    def __init__(self, seq_len: int) -> None:
        super().__init__(seq_len)
        self.query = nn.Parameter(torch.randn(DIM) / math.sqrt(DIM))

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        out, _ = self.gru(self.emb(tokens))  # (B, T, 32)
        weights = torch.softmax(out @ self.query / math.sqrt(DIM), dim=1)  # (B, T)
        context = (weights.unsqueeze(2) * out).sum(1)  # (B, 32)
        return self.head(context), weights


class QueryAttn(nn.Module):
    def __init__(self, seq_len: int, posenc: bool) -> None:
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM)
        self.pos = nn.Embedding(seq_len, DIM) if posenc else None
        self.query = nn.Parameter(torch.randn(1, 1, DIM))
        self.attn = nn.MultiheadAttention(DIM, 1, batch_first=True)
        self.head = nn.Linear(DIM, VOCAB)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        x = self.emb(tokens)  # (B, T, 32)
        if self.pos is not None:
            x = x + self.pos(torch.arange(tokens.shape[1], device=tokens.device))
        q = self.query.expand(len(tokens), 1, DIM)  # one learned query per sequence
        context, weights = self.attn(q, x, x, need_weights=True)  # (B, 1, 32), (B, 1, T)
        return self.head(context[:, 0]), weights[:, 0]


def sequences(n: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.randint(0, VOCAB, (n, length), generator=generator)
    return tokens, tokens[:, 0]


def run(cfg) -> Iterator[dict[str, float]]:
    if cfg.model == "gru":
        model: nn.Module = GRULast(cfg.seq_len)
    elif cfg.model == "gru_attn":
        model = GRUAttn(cfg.seq_len)
    else:
        model = QueryAttn(cfg.seq_len, cfg.posenc)
    model = model.to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    data = torch.Generator().manual_seed(cfg.seed)
    x_val, y_val = sequences(N_VAL, cfg.seq_len, torch.Generator().manual_seed(VAL_SEED))
    x_val, y_val = x_val.to(cfg.device), y_val.to(cfg.device)
    with single_thread():  # small tensors: one thread is faster on a busy CPU
        for step in range(cfg.steps):
            tokens, y = sequences(BATCH, cfg.seq_len, data)
            logits, _ = model(tokens.to(cfg.device))
            loss = loss_fn(logits, y.to(cfg.device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            metrics = {"loss": loss.item()}
            if step % VAL_EVERY == 0 or step == cfg.steps - 1:
                with torch.no_grad():
                    model.eval()
                    val_logits, weights = model(x_val)
                    model.train()
                metrics["val_acc"] = (val_logits.argmax(1) == y_val).float().mean().item()
                if weights is not None:
                    mean_w = weights.mean(0)  # (T,): the average weight on each position
                    metrics["attn_first"] = mean_w[0].item()
                    metrics.update({f"attn/{t}": w for t, w in enumerate(mean_w.tolist(), 1)})
            yield metrics
