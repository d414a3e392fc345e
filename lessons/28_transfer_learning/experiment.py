"""Transfer learning: features trained on digits 0-4 read digits 5-9 from a handful of labels.

Nothing is downloaded, so the "pretrained" network is trained here, first: a CNN
(three 3x3 convs 1->16->32->`width`, ReLU, global max pooling, so the backbone
ends in `width` numbers per image) with a Linear head, trained on the training
split's digits 0-4 (pixels / 16, Adam 3e-3, batch 64, `pretrain_epochs` epochs).
Its weights before training are kept too: the `random` backbone is exactly that
starting point, so the two backbones differ only by what pretraining learned.

The new task is digits 5-9, with `labels` labelled training images per class
(the same images for every arm), scored on all validation images of 5-9. Each arm
puts a new Linear(width, 5) head on a backbone (the same head init for every arm)
and takes one full-batch Adam step per step (step 0 is the untrained head):

- `method = frozen`: backbone `requires_grad_(False)`, *then* the new head, and
  the optimizer over the parameters that still require grad (the head);
- `method = finetune`: nothing frozen; two parameter groups, the backbone at
  `backbone_lr` and the head at `lr`;
- `method = notes`: the seed notes' code, in its order: the new head first, then
  every parameter frozen (the new head's too), then `model.fc.requires_grad = True`,
  which only sets a plain attribute on the module. Nothing requires grad, so
  `loss.backward()` raises; the arm counts the failure and goes on without a step.

The mechanism is measured on the parameters themselves: how many values require
grad, how many the optimizer holds, how many changed since step 0, and how far
the backbone moved (0.0 exactly when it is frozen).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import Split, digits, minibatches
from dllab.lessonkit.evaluate import evaluate

SOURCE = (0, 1, 2, 3, 4)
"""Pretraining classes; the new task is the other five digits."""
PRETRAIN_LR = 3e-3
PRETRAIN_BATCH = 64
VAL_EVERY = 10
C1, C2 = 16, 32
"""Channels of the first two convs (the third has `width`)."""


class Net(nn.Module):
    """A conv backbone that ends in `width` pooled features, and a Linear head `fc`."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, C1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(C1, C2, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(C2, width, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveMaxPool2d(1),  # one number per channel
            nn.Flatten(),
        )
        self.fc: nn.Module = nn.Linear(width, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.backbone(x))


@dataclass(frozen=True)
class Pretrained:
    """One pretraining: the backbone before and after, and how well it read digits 0-4."""

    initial: dict[str, torch.Tensor]
    trained: dict[str, torch.Tensor]
    source_acc: float


_pretrained: dict[tuple[int, int, int, str], Pretrained] = {}
"""(seed, width, epochs, device) -> its pretraining: every arm of a run shares one."""


def images(data: Split, classes: tuple[int, ...], train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The split's images (N, 1, 8, 8) of `classes`, labels renumbered 0..len-1."""
    x, y = (data.x_train, data.y_train) if train else (data.x_val, data.y_val)
    keep = torch.isin(y, torch.tensor(classes, device=y.device))
    return x[keep].view(-1, 1, 8, 8), y[keep] - min(classes)


def pretrain(data: Split, seed: int, width: int, epochs: int, device: torch.device) -> Pretrained:
    """Train Net on digits 0-4 (cached: the same seed and knobs give the same weights)."""
    key = (seed, width, epochs, str(device))
    if key not in _pretrained:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = Net(width).to(device)
        initial = {k: v.clone() for k, v in model.backbone.state_dict().items()}
        x, y = images(data, SOURCE, train=True)
        opt = torch.optim.Adam(model.parameters(), lr=PRETRAIN_LR)
        shuffle = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for idx in minibatches(len(x), PRETRAIN_BATCH, shuffle):
                idx = idx.to(device)
                loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        _, source_acc = evaluate(model, *images(data, SOURCE, train=False))
        trained = {k: v.clone() for k, v in model.backbone.state_dict().items()}
        _pretrained.clear()  # keep one: a knob change makes a new one
        _pretrained[key] = Pretrained(initial, trained, source_acc)
    return _pretrained[key]


def few_labels(
    x: torch.Tensor, y: torch.Tensor, per_class: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """`per_class` images of each class, drawn with the run's seed (the same for every arm)."""
    g = torch.Generator().manual_seed(seed)
    picks = []
    for c in range(int(y.max()) + 1):
        idx = torch.nonzero(y == c).flatten().cpu()
        picks.append(idx[torch.randperm(len(idx), generator=g)[:per_class]])
    pick = torch.cat(picks).to(x.device)
    return x[pick], y[pick]


class Standardize(nn.Module):
    """(f - mean) / std per feature, with the statistics of the labelled images (buffers, not parameters)."""

    def __init__(self, features: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", features.mean(0))
        self.register_buffer("std", features.std(0) + 1e-3)  # a feature 0 on every image stays 0

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return (f - self.mean) / self.std


def numel(params: object) -> int:
    return sum(p.numel() for p in params)  # type: ignore[attr-defined]


def build(cfg, pre: Pretrained, width: int, x: torch.Tensor) -> tuple[Net, torch.optim.Optimizer]:
    """The arm's model with a new head for digits 5-9, and its optimizer."""
    model = Net(width).to(cfg.device)
    model.backbone.load_state_dict(pre.trained if cfg.backbone == "pretrained" else pre.initial)
    with torch.no_grad():
        features = model.backbone(x)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed + 1)  # the same new head in every arm
        linear = nn.Linear(width, 5)
    new_head = nn.Sequential(Standardize(features), linear).to(cfg.device)
    if cfg.method == "frozen":
        model.backbone.requires_grad_(False)
        model.fc = new_head
        trainable = [p for p in model.parameters() if p.requires_grad]
        return model, torch.optim.Adam(trainable, lr=cfg.lr)
    if cfg.method == "finetune":
        model.fc = new_head
        groups = [
            {"params": model.backbone.parameters(), "lr": cfg.backbone_lr},
            {"params": model.fc.parameters()},
        ]
        return model, torch.optim.Adam(groups, lr=cfg.lr)
    # the notes' freezing code, in its order
    model.fc = new_head
    for param in model.parameters():
        param.requires_grad = False
    model.fc.requires_grad = True  # a plain attribute on the module: no parameter changes
    return model, torch.optim.Adam(model.parameters(), lr=cfg.lr)


def run(cfg) -> Iterator[dict[str, float]]:
    with single_thread():  # small tensors: one thread is faster on a busy CPU
        yield from _run(cfg)


def _run(cfg) -> Iterator[dict[str, float]]:
    data = digits("pixels16", device=cfg.device)
    width = cfg.width
    pre = pretrain(data, cfg.seed, width, cfg.pretrain_epochs, cfg.device)
    x_all, y_all = images(data, (5, 6, 7, 8, 9), train=True)
    x, y = few_labels(x_all, y_all, cfg.labels, cfg.seed)
    x_val, y_val = images(data, (5, 6, 7, 8, 9), train=False)
    model, opt = build(cfg, pre, width, x)
    with torch.no_grad():  # what the head would read without its standardization
        scale = model.backbone(x).abs().mean().item()
    start = {name: p.detach().clone() for name, p in model.named_parameters()}
    backbone0 = torch.cat([p.flatten() for p in model.backbone.parameters()]).detach().clone()
    counts = {
        "params/requires_grad": float(numel(p for p in model.parameters() if p.requires_grad)),
        "params/in_optimizer": float(numel(p for g in opt.param_groups for p in g["params"])),
    }
    failed = 0
    for step in range(cfg.steps):
        loss = nn.functional.cross_entropy(model(x), y)
        if step > 0:  # step 0 is the new head as it starts
            opt.zero_grad(set_to_none=True)
            try:
                loss.backward()
            except RuntimeError:  # "element 0 of tensors does not require grad ..."
                failed += 1
            else:
                opt.step()
        with torch.no_grad():
            updated = sum(  # values of the parameter tensors that moved
                p.numel() for name, p in model.named_parameters() if not torch.equal(p, start[name])
            )
            now = torch.cat([p.flatten() for p in model.backbone.parameters()])
            moved = ((now - backbone0).norm() / backbone0.norm()).item()
        metrics = {
            "loss": loss.item(),
            "updated": float(updated),
            "backbone_change": moved,
            "backward_failures": float(failed),
            "feature_scale": scale,
            **counts,
            "params/updated": float(updated),
        }
        if cfg.backbone == "pretrained":
            metrics["source_acc"] = pre.source_acc
        if step % VAL_EVERY == 0 or step == cfg.steps - 1:
            metrics["val_acc"] = evaluate(model, x_val, y_val)[1]
        yield metrics
