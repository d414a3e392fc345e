# expect: missing-zero-grad
import torch
from torch import nn


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        self.loader = [(torch.randn(16, 5), torch.randn(16, 1)) for _ in range(6)]

    def train(self, epochs):
        for epoch in range(epochs):
            self.optimizer.zero_grad()  # once per epoch: gradients pile up across batches
            for x, y in self.loader:
                loss = nn.functional.mse_loss(self.model(x), y)
                loss.backward()
                self.optimizer.step()


torch.manual_seed(0)
Trainer(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))).train(2)
