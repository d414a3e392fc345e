import torch.nn as nn


class Classifier(nn.Module):
    """A two-layer classifier that returns class probabilities."""

    def __init__(self, n_in, n_classes, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, n_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.act(self.fc1(x))
        return self.softmax(self.fc2(x))
