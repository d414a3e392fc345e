# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
optG = torch.optim.Adam(G.parameters(), lr=1e-3)
optD = torch.optim.Adam(D.parameters(), lr=1e-3)
bce = nn.BCEWithLogitsLoss()
for step in range(10):
    real = torch.randn(32, 2) + 2
    fake = G(torch.randn(32, 4))
    D.zero_grad()
    lossD = bce(D(real), torch.ones(32, 1)) + bce(D(fake.detach()), torch.zeros(32, 1))
    lossD.backward()
    optD.step()
    G.zero_grad()
    lossG = bce(D(fake), torch.ones(32, 1))  # also writes gradients into D, cleared next step
    lossG.backward()
    optG.step()
