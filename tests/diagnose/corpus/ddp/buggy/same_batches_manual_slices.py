# expect: ddp-same-batches
"""Regression with hand-made minibatches, one process per GPU (torchrun)."""
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


class Trainer:
    def __init__(self, batch_size=32, seed=1234):
        torch.manual_seed(seed)
        self.x = torch.randn(2000, 8)
        self.y = self.x @ torch.randn(8, 1) + 0.1 * torch.randn(2000, 1)
        net = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
        self.model = DistributedDataParallel(net)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.batch_size = batch_size

    def epoch(self):
        perm = torch.randperm(len(self.x))
        total = 0.0
        for i in range(0, len(perm), self.batch_size):
            idx = perm[i:i + self.batch_size]
            pred = self.model(self.x[idx])
            loss = nn.functional.mse_loss(pred, self.y[idx])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item()
        return total / (len(perm) // self.batch_size)


if __name__ == "__main__":
    dist.init_process_group(backend="gloo")
    trainer = Trainer()
    for e in range(2):
        avg = trainer.epoch()
        if int(os.environ.get("LOCAL_RANK", 0)) == 0:
            print("epoch", e, "mse", round(avg, 4))
    dist.destroy_process_group()
