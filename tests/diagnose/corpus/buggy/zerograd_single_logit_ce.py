# expect: zero-gradients
"""CrossEntropyLoss on a (N, 1) output: one class, loss 0, gradients 0; the model never learns."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self):
        torch.manual_seed(1)
        self.model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        x = torch.randn(96, 3)
        y = (x[:, 0] > 0).long() * 0  # labels squeezed to 0 by a preprocessing slip
        self.loader = DataLoader(TensorDataset(x, y), batch_size=32)

    def fit(self, epochs):
        for _ in range(epochs):
            for xb, yb in self.loader:
                self.opt.zero_grad()
                loss = self.loss_fn(self.model(xb), yb)
                loss.backward()
                self.opt.step()


Trainer().fit(8)
