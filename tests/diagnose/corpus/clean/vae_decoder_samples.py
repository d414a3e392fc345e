# expect: clean
"""A VAE (as in pytorch/examples vae) whose decoder has BatchNorm: after each epoch it
decodes random codes under no_grad, still in training mode, and writes them as a PNG."""
import os
import tempfile

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, latent=4):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 32), nn.ReLU())
        self.mu = nn.Linear(32, latent)
        self.logvar = nn.Linear(32, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid()
        )

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def write_png(batch, path, nrow=8):
    tiles = batch.clamp(0, 1).mul(255).byte().numpy()
    rows = [np.concatenate(list(tiles[i:i + nrow, 0]), axis=1) for i in range(0, len(tiles), nrow)]
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)


torch.manual_seed(1)
data = (torch.rand(512, 1, 8, 8) > 0.7).float()
loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True)
model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
results = tempfile.mkdtemp()
for epoch in range(1, 4):
    model.train()
    train_loss = 0.0
    for batch in loader:
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(batch)
        loss = loss_function(recon_batch, batch, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print(f"====> Epoch: {epoch} Average loss: {train_loss / len(data):.4f}")
    with torch.no_grad():
        sample = torch.randn(64, 4)
        sample = model.decode(sample).cpu()
        write_png(sample.view(64, 1, 8, 8), os.path.join(results, f"sample_{epoch}.png"))
