"""Train a tanh RNN to output the sum of the first 3 numbers of a length-30 sequence.

Reference solution of the gradient-clipping bug hunt: with recurrent gain 2 the
gradient norm grows past 1e6 and the loss turns nan. clip_grad_norm_ was called
after optimizer.step(), so every step had already used the raw gradient and
the clipped one was thrown away by the next zero_grad(). Between backward()
and step() it caps the norm the step uses at max_norm (the value it returns is
the norm before clipping).
"""

import json
import math

import torch
from torch import nn

# -----------------------------------------------------------------------------
# config
hidden = 32
seq_len = 30
batch_size = 32
steps = 300
lr = 0.05
gain = 2.0  # W_hh = gain x an orthogonal matrix: the RNN keeps its inputs alive for long
max_norm = 1.0
seed = 0
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster
gen = torch.Generator().manual_seed(seed)


class SumRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(1, hidden, batch_first=True, nonlinearity="tanh")
        self.head = nn.Linear(hidden, 1)
        with torch.no_grad():
            nn.init.orthogonal_(self.rnn.weight_hh_l0)
            self.rnn.weight_hh_l0.mul_(gain)

    def forward(self, x):
        out, _ = self.rnn(x)  # (B, T, 1) -> (B, T, H)
        return self.head(out[:, -1]).squeeze(1)  # last step -> (B,)


model = SumRNN()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)

losses = []
for step in range(steps):
    x = 0.5 * torch.randn(batch_size, seq_len, 1, generator=gen)
    y = x[:, :3, 0].sum(1)  # predicting 0 scores an MSE of 0.75
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    # FIX: clip between backward() and step(); it was called after step(), when
    # the parameters had already moved by the unclipped gradient
    grad_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    losses.append(loss.item())
    if (step + 1) % 50 == 0:
        print(f"step {step + 1:3d}  loss {loss.item():.4f}  grad norm {grad_norm.item():.3g}")

finite_steps = sum(math.isfinite(v) for v in losses)
final_mse = sum(losses[-50:]) / 50  # the last 50 steps
print("RESULT " + json.dumps({"finite_steps": finite_steps, "final_mse": final_mse}))
