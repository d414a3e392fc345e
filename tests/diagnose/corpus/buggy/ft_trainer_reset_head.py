# expect: optimizer-updates-nothing, frozen-parameters
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.head = nn.Linear(32, classes)

    def forward(self, x):
        return self.head(self.encoder(x))


class FineTuner:
    def __init__(self, model, lr=0.05):
        self.model = model
        self.model.encoder.requires_grad_(False)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr, momentum=0.9)

    def reset_head(self, classes):
        self.model.head = nn.Linear(self.model.head.in_features, classes)

    def fit(self, x, y, epochs):
        for _ in range(epochs):
            self.optimizer.zero_grad()
            loss = nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            self.optimizer.step()
        return loss.item()


torch.manual_seed(0)
pretrained = Classifier(classes=10)
with torch.no_grad():
    print("source logits", pretrained(torch.randn(4, 20)).shape)
tuner = FineTuner(pretrained)
tuner.reset_head(4)
x, y = torch.randn(64, 20), torch.randint(0, 4, (64,))
print("loss", tuner.fit(x, y, epochs=15))
