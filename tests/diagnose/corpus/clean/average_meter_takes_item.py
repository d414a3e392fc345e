# expect: clean
"""An AverageMeter fed the loss tensor, as in pytorch/examples, but its update() turns a
tensor into a float itself (`val.item()`), so no graph is kept across batches."""
import torch
from torch import nn


class AverageMeter:
    def __init__(self, name, fmt=":f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        if torch.is_tensor(val):
            val = val.item()
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return ("{name} {val" + self.fmt + "} ({avg" + self.fmt + "})").format(**self.__dict__)


class Trainer:
    def __init__(self):
        torch.manual_seed(2)
        self.model = nn.Sequential(nn.Linear(10, 40), nn.ReLU(), nn.Linear(40, 4))
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.criterion = nn.CrossEntropyLoss()
        self.x, self.y = torch.randn(640, 10), torch.randint(0, 4, (640,))

    def train_epoch(self):
        losses = AverageMeter("Loss", ":.4e")
        for i in range(0, 640, 32):
            images, target = self.x[i:i + 32], self.y[i:i + 32]
            loss = self.criterion(self.model(images), target)
            losses.update(loss, images.size(0))
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return losses


trainer = Trainer()
for epoch in range(3):
    print(f"epoch {epoch}: {trainer.train_epoch()}")
