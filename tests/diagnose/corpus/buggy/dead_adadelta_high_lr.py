# expect: dead-relu
"""Tabular classifier with the MNIST example's recipe (Adadelta + StepLR), lr raised to 50: ReLUs die."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import StepLR


def get_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=50.0)  # "Adadelta starts so slowly"
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    return parser.parse_args()


def make_data(n=2048):
    X = torch.randn(n, 20)
    w = torch.randn(20, 4)
    return X, (X @ w).argmax(1)


args = get_args()
torch.manual_seed(0)
X, y = make_data()
model = nn.Sequential(
    nn.Linear(20, 128),
    nn.ReLU(),
    nn.Linear(128, 128),
    nn.ReLU(),
    nn.Linear(128, 4),
)
optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, args.epochs + 1):
    model.train()
    for i in range(0, len(X), args.batch_size):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X[i:i + args.batch_size]), y[i:i + args.batch_size])
        loss.backward()
        optimizer.step()
    scheduler.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
