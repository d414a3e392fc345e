# expect: missing-train
import argparse
import copy
import gzip
import os
import pickle
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

DIGITS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "assets", "digits", "digits.csv.gz")


def load_digits():
    with gzip.open(DIGITS, "rt") as f:
        rows = np.loadtxt(f, delimiter=",")
    x = torch.tensor(rows[:, :-1], dtype=torch.float32).view(-1, 1, 8, 8) / 16.0
    y = torch.tensor(rows[:, -1], dtype=torch.long)
    return x, y


class BasicBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10, width=16, blocks=2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.layers = nn.ModuleList([BasicBlock(width) for _ in range(blocks)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x)
        x = torch.flatten(self.pool(x), 1)
        return self.fc(self.dropout(x))


def run_epoch(model, loader, criterion, optimizer=None, scheduler=None):
    training = optimizer is not None
    if not training:
        model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with torch.set_grad_enabled(training):
        for images, labels in loader:
            logits = model(images)
            loss = criterion(logits, labels)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
            loss_sum += loss.item() * labels.size(0)
            correct += (logits.argmax(1) == labels).sum().item()
            total += labels.size(0)
    return loss_sum / total, correct / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-lr", type=float, default=0.05)
    parser.add_argument("--patience", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    x, y = load_digits()
    train_set, val_set = random_split(TensorDataset(x, y), [1400, len(x) - 1400], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=256)

    model = SmallResNet()
    criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.max_lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.max_lr, epochs=args.epochs, steps_per_epoch=len(train_loader))

    model.train()
    out_dir = tempfile.mkdtemp()
    best, bad_epochs = float("inf"), 0
    for epoch in range(args.epochs):
        train_loss, train_acc = run_epoch(model, train_loader, criterion, optimizer, scheduler)
        val_loss, val_acc = run_epoch(model, val_loader, criterion)
        print(f"epoch {epoch + 1}: train {train_loss:.3f}/{train_acc:.2%} val {val_loss:.3f}/{val_acc:.2%}")
        if val_loss < best - 1e-4:
            best, bad_epochs = val_loss, 0
            torch.save(model.state_dict(), os.path.join(out_dir, "best.pt"))
            torch.save(model, os.path.join(out_dir, "best_model.pt"))
        else:
            bad_epochs += 1
            if bad_epochs >= args.patience:
                print("early stopping")
                break

    model.load_state_dict(torch.load(os.path.join(out_dir, "best.pt")))
    whole = torch.load(os.path.join(out_dir, "best_model.pt"), weights_only=False)
    pickle.loads(pickle.dumps(copy.deepcopy(whole)))
    print(f"best val loss {best:.3f}; reloaded val acc {run_epoch(whole, val_loader, criterion)[1]:.2%}")


if __name__ == "__main__":
    main()
