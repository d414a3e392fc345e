# expect: clean
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
        self.drop = nn.Dropout(0.25)
        self.head = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        return self.head(self.drop(self.features(x).flatten(1)))


class Trainer:
    def __init__(self):
        torch.manual_seed(0)
        self.model = Net()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, step_size=1, gamma=0.5)
        self.train_data = [(torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))) for _ in range(4)]
        self.val_data = [(torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,)))]

    def train_epoch(self):
        self.model.train()
        total = 0.0
        for x, y in self.train_data:
            self.optimizer.zero_grad(set_to_none=False)
            loss = nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            self.optimizer.step()
            total += loss.item() * x.size(0)
        self.scheduler.step()
        return total

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        val_loss = 0.0
        for x, y in self.val_data:
            val_loss += nn.functional.cross_entropy(self.model(x), y, reduction="sum")
        return val_loss.item()


if __name__ == "__main__":
    trainer = Trainer()
    for epoch in range(3):
        trainer.train_epoch()
        trainer.evaluate()
