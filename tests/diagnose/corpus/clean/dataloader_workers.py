# expect: clean
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __len__(self):
        return 128

    def __getitem__(self, i):
        x = torch.randn(4)
        return x, (x * x).sum(0, keepdim=True)


def main():
    torch.manual_seed(0)
    loader = DataLoader(Squares(), batch_size=32, num_workers=2, shuffle=True)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(2):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()


if __name__ == "__main__":
    main()
