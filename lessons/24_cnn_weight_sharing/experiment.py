"""Convolutions share one kernel everywhere: fewer parameters, and shifted digits still read.

Three models on the bundled 8x8 digits (pixels / 16, shape 1x8x8), all trained the
same way (Adam, minibatches, one epoch per step; step 0 is the untrained model):

- `mlp`: flatten, 64-128-10;
- `cnn_gmp`: conv(1->c, k) ReLU conv(c->2c, k) ReLU, then one number per channel
  (global max or average pooling), then Linear(2c, 10);
- `cnn_flat`: conv ReLU MaxPool2d(2) conv ReLU, then flatten and Linear(2c*4*4, 10).

After each epoch it measures validation accuracy on the clean images and on the
same images moved by `shift` pixels (right, left, down and up, zero-filled;
the mean of the four), and the mechanism itself: how far the vector that enters
the last Linear layer moves when the input moves by `shift` pixels (relative
change, averaged over the validation set). It also reports each layer's parameter
count and the first conv layer's strongest learned kernel.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.evaluate import evaluate


def conv_out(size: int, kernel: int, padding: int, stride: int) -> int:
    """Output side of a conv or pool layer: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def shifted(x: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Images (N, 1, 8, 8) moved dx pixels right and dy down; pixels moved in are 0."""
    out = torch.zeros_like(x)
    h, w = x.shape[-2:]
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[..., dst_y, dst_x] = x[..., src_y, src_x]
    return out


def build(model: str, channels: int, kernel: int, pool: str) -> nn.Sequential:
    """The arm's network; the last module is the Linear classifier."""
    pad = kernel // 2  # "same" padding for odd kernels: an 8x8 map stays 8x8
    c1, c2 = channels, 2 * channels
    if model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    convs: list[nn.Module] = [nn.Conv2d(1, c1, kernel, padding=pad), nn.ReLU()]
    if model == "cnn_gmp":
        convs += [nn.Conv2d(c1, c2, kernel, padding=pad), nn.ReLU()]
        gpool = nn.AdaptiveMaxPool2d(1) if pool == "max" else nn.AdaptiveAvgPool2d(1)
        return nn.Sequential(*convs, gpool, nn.Flatten(), nn.Linear(c2, 10))
    side = conv_out(conv_out(8, kernel, pad, 1), 2, 0, 2)  # after conv1 and MaxPool2d(2)
    side = conv_out(side, kernel, pad, 1)
    convs += [nn.MaxPool2d(2), nn.Conv2d(c1, c2, kernel, padding=pad), nn.ReLU()]
    return nn.Sequential(*convs, nn.Flatten(), nn.Linear(c2 * side * side, 10))


def layer_params(model: nn.Sequential) -> dict[str, float]:
    """Parameters per weight layer, in forward order, and the total."""
    counts = {}
    layers = [m for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]
    for i, m in enumerate(layers, 1):
        counts[f"params/layer{i}"] = float(sum(p.numel() for p in m.parameters()))
    counts["params/all"] = float(sum(p.numel() for p in model.parameters()))
    return counts


MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1))
"""Right, left, down, up: a shift of s pixels is each of these times s."""


@torch.no_grad()
def shift_metrics(
    model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, s: int
) -> dict[str, float]:
    """Accuracy on the clean images and on the images moved s pixels, and how far the
    classifier's input moves (eval mode; back to train mode after)."""
    was_training = model.training
    model.eval()
    features = model[:-1]  # everything before the last Linear layer
    base = features(x)
    clean = (model[-1](base).argmax(1) == y).float().mean().item()
    accs, moves = [], []
    for dx, dy in MOVES:
        xs = shifted(x, dx * s, dy * s)
        f = features(xs)
        accs.append((model[-1](f).argmax(1) == y).float().mean().item())
        rel = (f - base).norm(dim=1) / base.norm(dim=1).clamp_min(1e-8)
        moves.append(rel.mean().item())
    model.train(was_training)
    return {
        "val_acc": clean,
        "shift_acc": sum(accs) / len(accs),
        "feature_move": sum(moves) / len(moves),
    }


def kernel_cells(model: nn.Sequential) -> dict[str, float]:
    """The first conv layer's kernel with the largest norm, as a k×k map: `kernel/<row>,<col>`."""
    conv = model[0]
    if not isinstance(conv, nn.Conv2d):
        return {}
    w = conv.weight.detach()[:, 0]  # (c1, k, k)
    best = w[w.flatten(1).norm(dim=1).argmax()]  # (k, k)
    k = best.shape[0]
    return {f"kernel/{r + 1},{c + 1}": best[r, c].item() for r in range(k) for c in range(k)}


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("pixels16", device=cfg.device)
    x_train = data.x_train.view(-1, 1, 8, 8)
    x_val = data.x_val.view(-1, 1, 8, 8)
    model = build(cfg.model, cfg.channels, cfg.kernel, cfg.pool).to(cfg.device)
    params = layer_params(model)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    with single_thread():  # small tensors: one thread is faster on a busy CPU
        for epoch in range(cfg.steps):
            if epoch == 0:
                train_loss, _ = evaluate(model, x_train, data.y_train)  # the untrained model
            else:
                losses = []
                for idx in minibatches(len(x_train), cfg.batch_size, shuffle):
                    idx = idx.to(cfg.device)
                    loss = loss_fn(model(x_train[idx]), data.y_train[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    losses.append(loss.item())
                train_loss = sum(losses) / len(losses)  # mean over the epoch's minibatches
            yield {
                "train_loss": train_loss,
                **shift_metrics(model, x_val, data.y_val, cfg.shift),
                **params,
                **kernel_cells(model),
            }
