"""DDP MLP on synthetic data, 2 ranks over gloo: DistributedSampler, 5 epochs of 32 steps (batch 64)."""

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group("gloo")
torch.manual_seed(0)
data = TensorDataset(torch.randn(4096, 784), torch.randint(0, 10, (4096,)))
Xv, yv = torch.randn(1024, 784), torch.randint(0, 10, (1024,))
sampler = DistributedSampler(data, seed=0)
loader = DataLoader(data, batch_size=64, sampler=sampler)
model = DistributedDataParallel(
    nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    sampler.set_epoch(epoch)
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val = nn.functional.cross_entropy(model(Xv), yv).item()
    if dist.get_rank() == 0:
        print(f"epoch {epoch} val {val:.3f}")
dist.destroy_process_group()
