# expect: clean
"""Each rank prints the loss on its own validation shard; every decision is the same on all ranks."""
import os
import tempfile

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(6, 128), nn.ReLU(), nn.Linear(128, 3))

    def forward(self, x):
        return self.layers(x)


def accuracy(model, loader):
    model.eval()
    correct = seen = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            seen += len(y)
    model.train()
    return correct / seen


def main():
    dist.init_process_group(backend="gloo")
    rank = dist.get_rank()
    g = torch.Generator().manual_seed(11)
    x = torch.randn(700, 6, generator=g)
    y = torch.bucketize(x[:, 0] + 0.7 * torch.randn(700, generator=g), torch.tensor([-0.5, 0.5]))
    train, val = TensorDataset(x[:500], y[:500]), TensorDataset(x[500:], y[500:])
    sampler = DistributedSampler(train)
    train_loader = DataLoader(train, batch_size=25, sampler=sampler)
    val_loader = DataLoader(val, batch_size=50, sampler=DistributedSampler(val, shuffle=False))

    torch.manual_seed(1)
    model = DistributedDataParallel(Net())
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    accumulate = 2
    best_acc = 0.0
    out = os.path.join(tempfile.gettempdir(), f"ddp-printed-{os.getppid()}")
    os.makedirs(out, exist_ok=True)
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for i, (x, y) in enumerate(train_loader):
            if (i + 1) % accumulate:
                with model.no_sync():
                    (loss_fn(model(x), y) / accumulate).backward()
                continue
            (loss_fn(model(x), y) / accumulate).backward()
            opt.step()
            opt.zero_grad()
        acc = accuracy(model, val_loader)
        best_acc = max(best_acc, acc)
        print(f"[rank {rank}] epoch {epoch}: shard accuracy {acc:.3f} (best so far {best_acc:.3f})")
        if rank == 0:
            torch.save(model.module.state_dict(), os.path.join(out, f"epoch{epoch}.pt"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
