# expect: optimizer-updates-nothing, frozen-parameters
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(24, 64)
        self.block = nn.Sequential(nn.Linear(64, 64), nn.GELU(), nn.LayerNorm(64))

    def forward(self, x):
        return self.block(self.embed(x))


class Model(nn.Module):
    def __init__(self, n_out):
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Linear(64, n_out)

    def forward(self, x):
        return self.head(self.encoder(x))


class Trainer:
    def __init__(self, model, lr=3e-3):
        self.model = model
        params = filter(lambda p: p.requires_grad, model.parameters())
        self.optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)

    def prepare_for_task(self, n_classes):
        for p in self.model.encoder.parameters():
            p.requires_grad = False
        self.model.head = nn.Linear(self.model.head.in_features, n_classes)

    def train_epoch(self, batches):
        self.model.train()
        for x, y in batches:
            self.optimizer.zero_grad()
            loss = nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            self.optimizer.step()
        return loss.item()


torch.manual_seed(0)
batches = [(torch.randn(16, 24), torch.randint(0, 3, (16,))) for _ in range(6)]
trainer = Trainer(Model(n_out=10))
trainer.prepare_for_task(n_classes=3)
for epoch in range(3):
    print(epoch, trainer.train_epoch(batches))
