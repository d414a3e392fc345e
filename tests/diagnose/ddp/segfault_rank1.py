"""DDP where rank 1's process dies of a signal at step 3 (as a crashing C extension would)."""

import os
import signal

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
        os.kill(os.getpid(), signal.SIGSEGV)
    x, y = torch.randn(16, 10), torch.randint(0, 2, (16,))
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
dist.destroy_process_group()
