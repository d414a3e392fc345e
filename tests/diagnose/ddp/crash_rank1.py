"""DDP where rank 1 reads a bad shard and raises at step 3."""

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

dist.init_process_group("gloo")
rank = dist.get_rank()
model = DistributedDataParallel(nn.Linear(10, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(50):
    if rank == 1 and step == 3:
        raise ValueError("shard 1 is corrupt")
    x, y = torch.randn(16, 10), torch.randint(0, 2, (16,))
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
dist.destroy_process_group()
