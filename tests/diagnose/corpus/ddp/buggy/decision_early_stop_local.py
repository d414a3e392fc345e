# expect: ddp-rank-local-decision
"""Early stopping on the validation loss, torchrun --nproc-per-node 2."""
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def make_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=g)
    y = ((x[:, 0] + 0.8 * torch.randn(n, generator=g)) > 0).long()  # noisy labels
    return TensorDataset(x, y)


def evaluate(model, loader):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for xb, yb in loader:
            total += F.cross_entropy(model(xb), yb, reduction="sum").item()
            count += len(yb)
    model.train()
    return total / count


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    train_set, val_set = make_data(256, 0), make_data(200, 1)
    train_sampler = DistributedSampler(train_set)
    train_loader = DataLoader(train_set, batch_size=32, sampler=train_sampler)
    val_loader = DataLoader(val_set, batch_size=100, sampler=DistributedSampler(val_set, shuffle=False))

    torch.manual_seed(0)
    model = DDP(nn.Sequential(nn.Linear(10, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    best, bad_epochs, patience = float("inf"), 0, 2
    for epoch in range(30):
        train_sampler.set_epoch(epoch)
        for xb, yb in train_loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        val_loss = evaluate(model, val_loader)
        print(f"rank {rank} epoch {epoch} val_loss {val_loss:.4f}")
        if val_loss < best:
            best, bad_epochs = val_loss, 0
        else:
            bad_epochs += 1
        if bad_epochs >= patience:
            print(f"rank {rank}: early stopping at epoch {epoch}")
            break
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
