# expect: double-softmax
"""An MLP imported from nets/mlp.py whose forward returns F.softmax(...); trained with F.cross_entropy."""
import torch
import torch.nn.functional as F

from nets.mlp import MLP

torch.manual_seed(1)
inputs = torch.randn(256, 8)
labels = torch.randint(0, 4, (256,))
net = MLP([8, 32, 32, 4])
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for step in range(60):
    idx = torch.randint(0, 256, (32,))
    loss = F.cross_entropy(net(inputs[idx]), labels[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
