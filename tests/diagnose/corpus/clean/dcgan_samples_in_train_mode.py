# expect: clean
"""DCGAN as in the PyTorch DCGAN tutorial: every few iterations the generator, still in
training mode, draws images from a fixed noise under no_grad, to watch it learn.
(make_grid is torchvision.utils.make_grid, written out here.)"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

nz, ngf, ndf, nc = 16, 8, 8, 1


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input)


def make_grid(batch, nrow=4, padding=2, normalize=False):
    if normalize:
        batch = (batch - batch.min()) / (batch.max() - batch.min() + 1e-5)
    n, c, h, w = batch.shape
    grid = torch.zeros(c, (h + padding) * ((n + nrow - 1) // nrow) + padding, (w + padding) * nrow + padding)
    for k in range(n):
        r, q = divmod(k, nrow)
        top, left = padding + r * (h + padding), padding + q * (w + padding)
        grid[:, top:top + h, left:left + w] = batch[k]
    return grid


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


torch.manual_seed(999)
# 16x16 "images": a bright square somewhere on a dark background, scaled to [-1, 1]
images = -torch.ones(128, nc, 16, 16)
for k in range(128):
    r, c = torch.randint(0, 10, (2,)).tolist()
    images[k, :, r:r + 6, c:c + 6] = 1.0
dataloader = torch.utils.data.DataLoader(images, batch_size=32, shuffle=True)

netG = Generator()
netG.apply(weights_init)
netD = Discriminator()
netD.apply(weights_init)

criterion = nn.BCELoss()
fixed_noise = torch.randn(16, nz, 1, 1)
real_label, fake_label = 1.0, 0.0
optimizerD = torch.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

img_list, G_losses, D_losses = [], [], []
iters = 0
for epoch in range(3):
    for i, real in enumerate(dataloader):
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        b_size = real.size(0)
        label = torch.full((b_size,), real_label)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        noise = torch.randn(b_size, nz, 1, 1)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()

        # (2) Update G: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()

        G_losses.append(errG.item())
        D_losses.append(errD.item())

        # Check how the generator is doing by saving G's output on fixed_noise
        if (iters % 3 == 0) or ((epoch == 2) and (i == len(dataloader) - 1)):
            with torch.no_grad():
                fake = netG(fixed_noise).detach().cpu()
            img_list.append(make_grid(fake, padding=2, normalize=True))
        iters += 1
    print(f"epoch {epoch}: Loss_D {errD.item():.3f} Loss_G {errG.item():.3f}")
out = tempfile.mkdtemp()
last_grid = (img_list[-1][0].numpy() * 255).astype(np.uint8)
Image.fromarray(last_grid).save(os.path.join(out, "fake_samples.png"))
print(f"{len(img_list)} sample grids, the last in {out}")
