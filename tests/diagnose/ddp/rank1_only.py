"""DDP where the gradients are cleared inside the rank-0 logging block only."""

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
model = DistributedDataParallel(nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3)))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
criterion = nn.CrossEntropyLoss()
gen = torch.Generator().manual_seed(rank)
for step in range(40):
    x = torch.randn(32, 10, generator=gen)
    y = torch.randint(0, 3, (32,), generator=gen)
    loss = criterion(model(x), y)
    if rank == 0:
        if step % 10 == 0:
            print(f"step {step} loss {loss.item():.4f}")
        opt.zero_grad()
    loss.backward()
    opt.step()
dist.destroy_process_group()
