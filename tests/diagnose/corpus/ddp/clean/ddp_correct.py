# expect: clean
"""DDP done by the book: DistributedSampler + set_epoch, a reduced validation loss for early stopping."""
import os
import tempfile

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def make_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=g)
    y = ((x[:, 0] + 0.8 * torch.randn(n, generator=g)) > 0).long()
    return TensorDataset(x, y)


def evaluate(model, loader):
    model.eval()
    stats = torch.zeros(2)
    with torch.no_grad():
        for xb, yb in loader:
            stats[0] += F.cross_entropy(model(xb), yb, reduction="sum")
            stats[1] += len(yb)
    dist.all_reduce(stats, op=dist.ReduceOp.SUM)
    model.train()
    return (stats[0] / stats[1]).item()


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    train_set, val_set = make_data(256, 0), make_data(200, 1)
    train_sampler = DistributedSampler(train_set)
    train_loader = DataLoader(train_set, batch_size=32, sampler=train_sampler)
    val_loader = DataLoader(val_set, batch_size=100, sampler=DistributedSampler(val_set, shuffle=False))

    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(10, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)
    )
    model = DDP(net)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    best, bad_epochs, patience = float("inf"), 0, 2
    ckpt = os.path.join(tempfile.gettempdir(), f"ddp-correct-{os.getppid()}.pt")
    for epoch in range(30):
        train_sampler.set_epoch(epoch)
        for xb, yb in train_loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        val_loss = evaluate(model, val_loader)
        if val_loss < best:
            best, bad_epochs = val_loss, 0
            if rank == 0:
                torch.save(model.module.state_dict(), ckpt)
        else:
            bad_epochs += 1
        if bad_epochs >= patience:
            if rank == 0:
                print(f"early stopping at epoch {epoch}, best val loss {best:.4f}")
            break
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
