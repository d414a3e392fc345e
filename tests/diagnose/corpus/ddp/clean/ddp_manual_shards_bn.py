# expect: clean
"""Hand-sharded data (x[rank::world]), BatchNorm at 64 samples per rank, all-reduced early stopping."""
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(5)
    x = torch.randn(1500, 12)
    y = (x[:, :2].sum(1) > 0).float().unsqueeze(1)
    train_x, train_y = x[:1280][rank::world], y[:1280][rank::world]
    val = TensorDataset(x[1280:], y[1280:])
    val_loader = DataLoader(val, batch_size=110, sampler=DistributedSampler(val, shuffle=False))

    net = nn.Sequential(nn.Linear(12, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 1))
    model = DistributedDataParallel(net)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.BCEWithLogitsLoss()
    best, wait = float("inf"), 0
    for epoch in range(8):
        model.train()
        order = torch.randperm(len(train_x))
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss_fn(model(train_x[idx]), train_y[idx]).backward()
            opt.step()
        model.eval()
        total = torch.zeros(1)
        with torch.no_grad():
            for xb, yb in val_loader:
                total += loss_fn(model(xb), yb) * len(yb)
        dist.all_reduce(total)
        val_loss = total.item() / len(val)
        if val_loss < best - 1e-3:
            best, wait = val_loss, 0
        else:
            wait += 1
            if wait == 2:
                break
    if rank == 0:
        print(f"stopped after epoch {epoch}, best val loss {best:.4f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
