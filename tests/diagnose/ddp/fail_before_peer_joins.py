"""Rank 1 cannot open its shard; rank 0 is still preparing its data and never reaches a collective."""

import os
import time

import torch
import torch.distributed as dist

rank = int(os.environ["RANK"])
if rank == 1:
    with open(f"/nonexistent/shard-{rank}.pt", "rb") as fh:
        shard = torch.load(fh)
else:
    for _ in range(6000):  # a slow preprocessing loop (10 minutes)
        time.sleep(0.1)
dist.init_process_group("gloo")
dist.destroy_process_group()
