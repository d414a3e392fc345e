# expect: missing-eval
"""An autoencoder with BatchNorm: its held-out reconstructions are saved as an image and
scored with the reconstruction loss, all in training mode. Scored, so it is evaluation."""
import os
import tempfile

import numpy as np
import torch
from PIL import Image
from torch import nn

torch.manual_seed(0)
train, held_out = torch.rand(256, 36), torch.rand(64, 36)
model = nn.Sequential(
    nn.Linear(36, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Linear(12, 36), nn.Sigmoid()
)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
out = tempfile.mkdtemp()
for epoch in range(3):
    for i in range(0, 256, 32):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(train[i:i + 32]), train[i:i + 32])
        loss.backward()
        opt.step()
    with torch.no_grad():
        recon = model(held_out)
        val_loss = nn.functional.mse_loss(recon, held_out).item()
    tiles = (recon[:8].view(8 * 6, 6).numpy() * 255).astype(np.uint8)
    Image.fromarray(tiles).save(os.path.join(out, f"recon_{epoch}.png"))
    print(f"epoch {epoch}: val reconstruction loss {val_loss:.4f}")
