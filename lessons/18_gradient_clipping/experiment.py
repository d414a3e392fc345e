"""Gradient clipping: a tanh RNN whose recurrent weights have gain > 1, trained with and without clipping.

W_hh starts as an orthogonal matrix times `scale`, so every singular value of
the recurrent Jacobian's weight part is `scale`. The task: read T numbers and
output the sum of the first 3, which forces the gradient to travel back
through all T steps. Each step reports the total gradient norm before clipping
(the value `clip_grad_norm_` returns, the same quantity as the shared
`total_grad_norm` probe) and after it: the norm the optimizer actually used.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.probes import total_grad_norm

HIDDEN = 32
BATCH = 32
INPUT_SCALE = 0.5
"""Inputs are N(0, 0.5²): the target's std is then 0.5·√3 ≈ 0.87, an MSE of 0.75 for predicting 0."""


class SumRNN(nn.Module):
    """nn.RNN (tanh) followed by a linear readout of the last hidden state."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, HIDDEN, batch_first=True, nonlinearity="tanh")
        self.head = nn.Linear(HIDDEN, 1)
        with torch.no_grad():
            nn.init.orthogonal_(self.rnn.weight_hh_l0)
            self.rnn.weight_hh_l0.mul_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, T, 1) -> (B, T, H)
        return self.head(out[:, -1]).squeeze(1)  # last step -> (B,)


def run(cfg) -> Iterator[dict[str, float]]:
    model = SumRNN(cfg.scale).to(cfg.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    data = torch.Generator().manual_seed(cfg.seed)
    with single_thread():
        for _step in range(cfg.steps):
            x = INPUT_SCALE * torch.randn(BATCH, cfg.seq_len, 1, generator=data)
            x = x.to(cfg.device)
            y = x[:, :3, 0].sum(1)  # the first three inputs: T-3 steps back from the readout
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip == "before_step":
                # between backward and step: the step uses the clipped gradient
                pre = float(nn.utils.clip_grad_norm_(model.parameters(), cfg.max_norm))
                post = total_grad_norm(model.parameters())
                opt.step()
            else:
                pre = post = total_grad_norm(model.parameters())
                opt.step()
                if cfg.clip == "after_step":
                    # too late: the step already used the unclipped gradient
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.max_norm)
            yield {"loss": loss.item(), "grad_norm": pre, "used_norm": post}
