# expect: exploding-gradients, non-finite
"""An IRNN-style ReLU RNN initialised with 1.2 x identity (spectral radius 1.2 > 1): it explodes."""
import torch
from torch import nn

torch.manual_seed(0)
rnn = nn.RNN(4, 32, batch_first=True, nonlinearity="relu")
head = nn.Linear(32, 1)
with torch.no_grad():
    rnn.weight_hh_l0.copy_(1.2 * torch.eye(32))  # IRNN init, scaled above 1
params = list(rnn.parameters()) + list(head.parameters())
optimizer = torch.optim.SGD(params, lr=1e-3)
seq = torch.randn(16, 30, 4)
target = seq[:, :, 0].sum(1, keepdim=True)
for step in range(30):
    optimizer.zero_grad()
    out, _ = rnn(seq)
    loss = nn.functional.mse_loss(head(out[:, -1]), target)
    loss.backward()
    optimizer.step()
