# expect: ddp-batchnorm-sync
"""Small CNN on 16x16 synthetic images, 4 images per GPU."""
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_block(1, 8), conv_block(8, 16))
        self.classifier = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


if __name__ == "__main__":
    dist.init_process_group("gloo")
    g = torch.Generator().manual_seed(3)
    images, labels = torch.randn(256, 1, 16, 16, generator=g), torch.randint(0, 10, (256,), generator=g)
    dataset = TensorDataset(images, labels)
    sampler = DistributedSampler(dataset)
    loader = DataLoader(dataset, batch_size=4, sampler=sampler)
    model = DistributedDataParallel(SmallCNN())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1):
        sampler.set_epoch(epoch)
        for step, (img, lab) in enumerate(loader):
            opt.zero_grad()
            loss = loss_fn(model(img), lab)
            loss.backward()
            opt.step()
            if step % 10 == 0 and dist.get_rank() == 0:
                print(step, loss.item())
    dist.destroy_process_group()
