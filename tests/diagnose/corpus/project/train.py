# expect: clean
import argparse
import os
import sys

import torch
from torch import nn

from helpers import make_data  # a sibling module next to the script
from pkg.models import TinyNet

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--marker", default="")
args = parser.parse_args()
assert args.epochs == 3, sys.argv
assert os.path.exists("train.py") or os.path.exists(os.path.join(os.getcwd(), args.marker)), os.getcwd()
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
X, y = make_data()
model = TinyNet().to(device)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(args.epochs):
    for i in range(0, len(X), 32):
        xb, yb = X[i:i + 32].to(device), y[i:i + 32].to(device)
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
print("trained on", device)
