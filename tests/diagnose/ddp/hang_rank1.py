"""DDP where rank 1 stalls at step 3 (the others wait for it in the gradient all-reduce).

With a folder as its argument, each rank and its DataLoader worker write their pids there.
"""

import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset

PIDS = Path(sys.argv[1]) if len(sys.argv) > 1 else None


def note_pid(name):
    if PIDS is not None:
        (PIDS / f"{name}.pid").write_text(str(os.getpid()))


def worker_init(worker_id):
    note_pid(f"rank{os.environ['RANK']}-loader{worker_id}")


dist.init_process_group("gloo")
rank = dist.get_rank()
note_pid(f"rank{rank}")
data = TensorDataset(torch.randn(4096, 10), torch.randint(0, 2, (4096,)))
loader = DataLoader(data, batch_size=16, num_workers=1, worker_init_fn=worker_init)
model = DistributedDataParallel(nn.Linear(10, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step, (x, y) in enumerate(loader):
    if rank == 1 and step == 3:
        time.sleep(3600)
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
dist.destroy_process_group()
