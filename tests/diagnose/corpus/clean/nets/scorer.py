import torch
from torch import nn


class Scorer(nn.Module):
    """Returns logits; `predict` gives probabilities for inference."""

    def __init__(self, n_in, n_classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, n_classes))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.net(x)

    @torch.no_grad()
    def predict(self, x):
        return self.softmax(self.forward(x))
