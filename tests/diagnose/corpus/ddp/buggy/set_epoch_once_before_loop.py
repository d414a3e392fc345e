# expect: ddp-set-epoch
"""Resumable DDP training loop (start_epoch from a checkpoint, 0 for a fresh run)."""
import argparse

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class Blobs(Dataset):
    def __init__(self, n=600, classes=3):
        g = torch.Generator().manual_seed(7)
        self.centers = torch.randn(classes, 10, generator=g) * 2
        self.labels = torch.randint(0, classes, (n,), generator=g)
        self.points = self.centers[self.labels] + torch.randn(n, 10, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.points[i], self.labels[i]


def train(args):
    dist.init_process_group("gloo")
    dataset = Blobs()
    sampler = DistributedSampler(dataset, shuffle=True, seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    torch.manual_seed(args.seed)
    model = DistributedDataParallel(nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3)))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    criterion = nn.CrossEntropyLoss()

    sampler.set_epoch(args.start_epoch)
    for epoch in range(args.start_epoch, args.epochs):
        for points, labels in loader:
            opt.zero_grad()
            loss = criterion(model(points), labels)
            loss.backward()
            opt.step()
        if dist.get_rank() == 0:
            print(f"epoch {epoch} loss {loss.item():.3f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--start-epoch", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    train(parser.parse_args())
