"""Why a vanilla RNN forgets the first token, and how the LSTM's gates keep it.

Task: a sequence of T tokens drawn from 4 symbols; the label is the first
token. Model: Embedding(4, 8) -> RNN / LSTM / GRU (hidden `hidden`,
batch_first) -> the last hidden state -> Linear(hidden, 4). Adam, a fresh batch
of 64 random sequences per step.

The mechanism is measured directly: each step the embedding output x (the
RNN's input) keeps its gradient, and ‖∂L/∂x_t‖ (over the batch) is recorded for
every position t. Backprop through time multiplies one Jacobian per step, so
the gradient reaching x_1 from the loss at step T is the product of T-1 of
them. `ratio` is ‖∂L/∂x_1‖ / ‖∂L/∂x_T‖. The LSTM arm with `forget_bias` starts
its forget gate near 1 (sigmoid(2) = 0.88), so the additive cell path
c_t = f_t · c_{t-1} + ... passes the gradient on almost unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread

VOCAB = 4
EMBED = 8
BATCH = 64
N_VAL = 256
VAL_SEED = 1234  # the same validation sequences for every arm and seed
VAL_EVERY = 20


class FirstToken(nn.Module):
    """Embedding -> recurrent cell -> last hidden state -> logits over the 4 symbols."""

    def __init__(self, cell: str, hidden: int, forget_bias: float) -> None:
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMBED)
        kinds = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
        self.rnn = kinds[cell](EMBED, hidden, batch_first=True)
        self.head = nn.Linear(hidden, VOCAB)
        if cell == "lstm" and forget_bias != 0:
            # gate order in PyTorch's LSTM weights is (input, forget, cell, output);
            # the forget gate adds bias_ih and bias_hh, so each gets half
            with torch.no_grad():
                for bias in (self.rnn.bias_ih_l0, self.rnn.bias_hh_l0):
                    bias[hidden : 2 * hidden].fill_(forget_bias / 2)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (B, 4) and the embedded input x (B, T, 8), which keeps its gradient."""
        x = self.emb(tokens)  # (B, T) -> (B, T, 8)
        if x.requires_grad:  # not under no_grad (validation)
            x.retain_grad()
        out, _ = self.rnn(x)  # (B, T, H): every step's hidden state
        return self.head(out[:, -1]), x


def sequences(n: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.randint(0, VOCAB, (n, length), generator=generator)
    return tokens, tokens[:, 0]


def positions(length: int) -> list[int]:
    """The 1-based positions shown in the gradient bars: 1, ~T/4, ~T/2, ~3T/4, T."""
    return sorted({1, *(max(1, round(length * q)) for q in (0.25, 0.5, 0.75)), length})


def run(cfg) -> Iterator[dict[str, float]]:
    model = FirstToken(cfg.cell, cfg.hidden, cfg.forget_bias).to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    data = torch.Generator().manual_seed(cfg.seed)
    x_val, y_val = sequences(N_VAL, cfg.seq_len, torch.Generator().manual_seed(VAL_SEED))
    x_val, y_val = x_val.to(cfg.device), y_val.to(cfg.device)
    shown = positions(cfg.seq_len)
    with single_thread():  # small tensors: one thread is faster on a busy CPU
        for step in range(cfg.steps):
            tokens, y = sequences(BATCH, cfg.seq_len, data)
            tokens, y = tokens.to(cfg.device), y.to(cfg.device)
            logits, x = model(tokens)
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            assert x.grad is not None
            per_t = x.grad.norm(dim=(0, 2))  # ‖∂L/∂x_t‖ over the batch, for t = 1..T
            first, last = per_t[0].item(), per_t[-1].item()
            metrics = {
                "loss": loss.item(),
                "ratio": first / last if last > 0 else math.nan,
                **{f"grad/t={t}": per_t[t - 1].item() for t in shown},
                **{
                    f"log10grad/{t}": math.log10(max(v, 1e-30))
                    for t, v in enumerate(per_t.tolist(), 1)
                },
            }
            opt.step()
            if step % VAL_EVERY == 0 or step == cfg.steps - 1:
                with torch.no_grad():
                    model.eval()
                    val_logits, _ = model(x_val)
                    model.train()
                metrics["val_acc"] = (val_logits.argmax(1) == y_val).float().mean().item()
            yield metrics
