# expect: double-softmax
import torch
from torch import nn


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.x = torch.randn(128, 4)
        self.y = (self.x[:, :1] > 0).float()

    def train_epoch(self):
        for i in range(0, 128, 32):
            self.opt.zero_grad()
            loss = self.loss_fn(self.model(self.x[i:i + 32]), self.y[i:i + 32])
            loss.backward()
            self.opt.step()


if __name__ == "__main__":
    t = Trainer()
    for _ in range(2):
        t.train_epoch()
