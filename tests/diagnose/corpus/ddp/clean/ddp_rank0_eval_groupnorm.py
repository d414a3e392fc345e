# expect: clean
"""GroupNorm at 4 images per rank, per-rank dropout seeds, rank 0 evaluates the full validation set."""
import os
import tempfile

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.norm1 = nn.GroupNorm(2, 8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.norm2 = nn.GroupNorm(4, 16)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(16 * 4 * 4, 4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.norm2(self.conv2(x))), 2)
        return self.fc(self.drop(x.flatten(1)))


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    g = torch.Generator().manual_seed(0)
    images = torch.randn(300, 1, 16, 16, generator=g)
    labels = images[:, 0, :8, :8].mean((1, 2)).gt(0).long() + 2 * images[:, 0, 8:, 8:].mean((1, 2)).gt(0).long()
    train = TensorDataset(images[:240], labels[:240])
    val_x, val_y = images[240:], labels[240:]
    sampler = DistributedSampler(train, seed=3)
    loader = DataLoader(train, batch_size=4, sampler=sampler)

    torch.manual_seed(0)
    model = DDP(Net())
    torch.manual_seed(1000 + rank)  # different dropout masks on each rank
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    best = 0.0
    path = os.path.join(tempfile.gettempdir(), f"ddp-gn-{os.getppid()}.pt")
    for epoch in range(2):
        sampler.set_epoch(epoch)
        model.train()
        for img, lab in loader:
            opt.zero_grad()
            F.cross_entropy(model(img), lab).backward()
            opt.step()
        if rank == 0:
            model.eval()
            with torch.no_grad():
                acc = (model.module(val_x).argmax(1) == val_y).float().mean().item()
            if acc > best:
                best = acc
                torch.save(model.module.state_dict(), path)
            print(f"epoch {epoch} val acc {acc:.3f}")
        dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
