"""A character language model on the Zen of Python: detach, clip, perplexity.

Data: the Zen of Python (856 characters, V = 45 distinct ones), read from the
source of the standard module `this` and rot13-decoded; the module is never
imported (importing it prints the poem). Sequential partitioning: the text is
cut into `streams` rows that are read side by side, `bptt` characters per
batch, so batch k+1 of a row continues exactly where batch k ended and the
hidden state the GRU ends a batch with is the right state to start the next
one. An epoch is one pass over the rows; the state starts at zero each epoch.

Model: Embedding(V, 32) -> GRU(32, hidden, batch_first) -> Linear(hidden, V),
Adam, loss = mean cross-entropy over the batch's next-character predictions,
perplexity = exp(loss).

What the `state` knob does with the hidden state between batches:

- `detach`: carries its values, cuts its graph (`h = h.detach()`): truncated
  BPTT, each backward goes back `bptt` steps.
- `keep`: carries the tensor with its graph. The second batch's backward has to
  go through the first batch's graph, which the first backward already freed:
  PyTorch raises. The error is caught and recorded, and the arm ends.
- `full`: the exact alternative to truncation: every batch re-runs the row from
  the start of the epoch, so its backward goes back through all of the epoch's
  characters so far (the cost truncation saves).
- `reset`: no carry, the state starts at zero every batch.

Measured per batch: `nodes`, the autograd nodes reachable from the loss (the
size of the graph backward walks), `backward_ms`, the gradient norm before
clipping (what `clip_grad_norm_` returns), `epoch_ppl` at each epoch's last
batch, and, at the first batch, every SAMPLE_EVERY epochs and the last batch, a
sample generated after a prefix warm-up, one character code per metric
(`sample/<i>`, ended by -1; the `keep` arm's text is the error it raised).
"""

from __future__ import annotations

import ast
import codecs
import importlib.util
import math
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.probes import graph_nodes

EMBED = 32
PREFIX = "Beautiful is"  # the sample's warm-up: read, not predicted
SAMPLE_LEN = 60  # characters generated after the prefix (two lines of a chart at 80x24)
SAMPLE_EVERY = 5  # epochs between samples (and one at the first and the last batch)
SAMPLE_SEED = 4321  # the same sampling noise for every arm, so samples compare
SECOND_TIME = "Trying to backward through the graph a second time"
INPLACE = "modified by an inplace operation"


@lru_cache(maxsize=1)
def zen_of_python() -> str:
    """The Zen of Python: `this.s` rot13-decoded, read from the module's source (never imported)."""
    spec = importlib.util.find_spec("this")
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "s":
            return codecs.decode(ast.literal_eval(node.value), "rot13")
    raise LookupError("no string s in the module `this`")


class CharLM(nn.Module):
    """Embedding -> GRU -> a next-character distribution at every position."""

    def __init__(self, vocab: int, hidden: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, EMBED)
        self.gru = nn.GRU(EMBED, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        out, h = self.gru(self.emb(x), h)  # (B, T) -> (B, T, E) -> (B, T, H); h (1, B, H)
        return self.head(out), h  # (B, T, V)


@torch.no_grad()
def generate(model: CharLM, chars: str, temperature: float, device: torch.device) -> str:
    """Warm the state up on PREFIX, then sample SAMPLE_LEN characters."""
    model.eval()
    index = {c: i for i, c in enumerate(chars)}
    gen = torch.Generator().manual_seed(SAMPLE_SEED)
    x = torch.tensor([[index[c] for c in PREFIX]], device=device)  # (1, len(PREFIX))
    logits, h = model(x, None)
    out = []
    for _ in range(SAMPLE_LEN):
        probs = torch.softmax(logits[0, -1] / temperature, dim=0).cpu()  # (V,)
        nxt = int(torch.multinomial(probs, 1, generator=gen))
        out.append(chars[nxt])
        logits, h = model(torch.tensor([[nxt]], device=device), h)
    model.train()
    return "".join(out)


def backward_error(exc: RuntimeError) -> tuple[float, str]:
    """(1, text): the graph was already freed (no detach); (2, text): weights changed under a
    retained graph. Any other error is re-raised: it is a bug, not the lesson."""
    text = str(exc)
    if SECOND_TIME in text:
        return 1.0, SECOND_TIME
    if INPLACE in text:  # "one of the variables ... modified by an inplace operation: [...]"
        return 2.0, text.split(":")[0]
    raise exc


def as_codes(text: str) -> dict[str, float]:
    """A text as metrics, one character code per `sample/<i>` (the text chart decodes them),
    ended by -1 so that a shorter text does not show the tail of an earlier, longer one."""
    codes = {f"sample/{i}": float(ord(c)) for i, c in enumerate(text)}
    codes[f"sample/{len(text)}"] = -1.0
    return codes


def run(cfg) -> Iterator[dict[str, float]]:
    text = zen_of_python()
    chars = "".join(sorted(set(text)))
    vocab = len(chars)  # 45
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], device=cfg.device)
    per_row = (len(data) - 1) // cfg.streams
    rows = data[: cfg.streams * per_row].view(cfg.streams, per_row)  # (S, L): S side-by-side rows
    targets = data[1 : cfg.streams * per_row + 1].view(cfg.streams, per_row)
    batches = per_row // cfg.bptt  # per epoch; the rows' last per_row % bptt chars are unused
    model = CharLM(vocab, cfg.hidden).to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    h: torch.Tensor | None = None
    epoch_loss = 0.0
    with single_thread():  # small tensors: one thread is faster on a busy CPU
        for step in range(cfg.steps):
            b = step % batches  # batch within the epoch
            if b == 0:
                h, epoch_loss = None, 0.0  # each epoch starts from a zero state
            start = 0 if cfg.state == "full" else b * cfg.bptt
            x = rows[:, start : (b + 1) * cfg.bptt]  # (S, bptt), or the epoch so far for `full`
            y = targets[:, b * cfg.bptt : (b + 1) * cfg.bptt]
            logits, h_new = model(x, None if cfg.state in ("full", "reset") else h)
            logits = logits[:, -cfg.bptt :]  # (S, bptt, V): only this batch's predictions
            loss = loss_fn(logits.reshape(-1, vocab), y.reshape(-1))
            metrics = {"loss": loss.item(), "ppl": math.exp(loss.item())}
            metrics["nodes"] = graph_nodes(loss)
            opt.zero_grad(set_to_none=True)
            sync = torch.cuda.synchronize if cfg.device.type == "cuda" else lambda: None
            sync()  # CUDA runs asynchronously: time the backward's kernels, not their launch
            t0 = time.perf_counter()
            try:
                loss.backward(retain_graph=cfg.retain_graph)
            except RuntimeError as exc:  # the `keep` arm at its second batch
                code, text = backward_error(exc)
                metrics["backward_error"] = code
                metrics.update(as_codes(f"RuntimeError: {text}"))
                yield metrics
                return
            sync()
            metrics["backward_ms"] = 1000 * (time.perf_counter() - t0)
            clip = cfg.clip if cfg.clip > 0 else math.inf
            metrics["grad_norm"] = float(nn.utils.clip_grad_norm_(model.parameters(), clip))
            opt.step()
            h = h_new.detach() if cfg.state == "detach" else h_new
            epoch_loss += loss.item()
            if b == batches - 1:
                metrics["epoch_ppl"] = math.exp(epoch_loss / batches)
            every = b == batches - 1 and (step // batches) % SAMPLE_EVERY == SAMPLE_EVERY - 1
            if every or step in (0, cfg.steps - 1):
                sample = generate(model, chars, cfg.temperature, cfg.device)
                metrics.update(as_codes(PREFIX + sample))
            yield metrics
