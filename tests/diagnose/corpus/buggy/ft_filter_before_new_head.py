# expect: optimizer-updates-nothing, frozen-parameters
"""Transfer learning, torchvision-tutorial style: freeze the backbone, build the optimizer from the
trainable parameters, then swap in the new classifier. The optimizer holds only the old fc."""
import torch
import torch.nn.functional as F
from torch import nn


class TinyResNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.avgpool(self.layer1(x)).flatten(1)
        return self.fc(x)


torch.manual_seed(0)
model_ft = TinyResNet()  # stands in for models.resnet18(weights=...)
for name, param in model_ft.named_parameters():
    if not name.startswith("fc."):
        param.requires_grad = False

optimizer_ft = torch.optim.SGD(filter(lambda p: p.requires_grad, model_ft.parameters()), lr=0.001, momentum=0.9)

num_ftrs = model_ft.fc.in_features
model_ft.fc = nn.Linear(num_ftrs, 2)  # ants and bees

inputs, labels = torch.randn(32, 3, 16, 16), torch.randint(0, 2, (32,))
model_ft.train()
for epoch in range(8):
    optimizer_ft.zero_grad()
    loss = F.cross_entropy(model_ft(inputs), labels)
    loss.backward()
    optimizer_ft.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")
