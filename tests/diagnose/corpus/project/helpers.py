import torch


def make_data(n=128):
    torch.manual_seed(0)
    X = torch.randn(n, 6)
    return X, (X[:, 0] > 0).long()
