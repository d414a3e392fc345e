"""Class imbalance: "is this digit a 3?" with plain, class-weighted and focal cross-entropy.

About one digit in ten is a 3, so the task has 10% positives. Every arm trains
the same small MLP (64-16-2) with SGD and differs only in its loss: plain
cross-entropy, cross-entropy with class weights (1 for "not 3", `pos_weight`
for "3"), or focal loss (Lin et al. 2017) with exponent `gamma`. Step k is the
model after k epochs (step 0: before training). Each step records, on the 500
validation digits, accuracy next to the accuracy of always answering "not 3",
the recall of each class, the precision of "3", and the confusion matrix.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from dllab.lessonkit.cpu import single_thread
from dllab.lessonkit.data import digits, minibatches
from dllab.lessonkit.models import mlp
from dllab.probes import confusion_matrix, precisions, recalls

TARGET = 3  # the minority class: "is it a 3?"


def loss_fn(cfg, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The arm's loss on (B, 2) logits and 0/1 labels."""
    if cfg.loss == "focal":
        # FL = -(1 - p_t)^gamma · log p_t: confident, easy samples count less
        log_pt = F.log_softmax(logits, 1).gather(1, y[:, None]).squeeze(1)
        return (-((1 - log_pt.exp()) ** cfg.gamma) * log_pt).mean()
    weight = torch.tensor([1.0, cfg.pos_weight if cfg.loss == "weighted" else 1.0])
    return F.cross_entropy(logits, y, weight=weight.to(logits.device))


@torch.no_grad()
def measure(model: nn.Module, cfg, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Accuracy, per-class recall, precision and the confusion matrix at the decision threshold."""
    model.eval()
    p_pos = model(x).softmax(1)[:, 1]  # (N, 2) -> probability of "3"
    model.train()
    pred = (p_pos > cfg.threshold).long()
    m = confusion_matrix(pred, y, 2)  # m[true][predicted]
    recall_neg, recall_pos = recalls(m)
    return {
        "val_acc": (pred == y).float().mean().item(),
        "majority_acc": (y == 0).float().mean().item(),
        "recall_3": recall_pos,
        "recall_not3": recall_neg,
        "balanced_acc": (recall_pos + recall_neg) / 2,
        "precision_3": precisions(m)[1],
        "cm/TN": float(m[0][0]),
        "cm/FP": float(m[0][1]),
        "cm/FN": float(m[1][0]),
        "cm/TP": float(m[1][1]),
    }


def run(cfg) -> Iterator[dict[str, float]]:
    data = digits("standardize", device=cfg.device)
    y_train = (data.y_train == TARGET).long()  # 1 = "3" (about 10%), 0 = any other digit
    y_val = (data.y_val == TARGET).long()
    model = mlp(64, cfg.width, 2, 2, activation="relu").to(cfg.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    with single_thread():  # small tensors: one thread is much faster on a busy CPU
        for epoch in range(cfg.steps):
            metrics: dict[str, float] = {}
            if epoch > 0:
                total = 0.0
                for idx in minibatches(len(data.x_train), cfg.batch_size, shuffle):
                    idx = idx.to(cfg.device)
                    loss = loss_fn(cfg, model(data.x_train[idx]), y_train[idx])  # (B, 2)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(idx)
                metrics["loss"] = total / len(data.x_train)
            metrics.update(measure(model, cfg, data.x_val, y_val))
            yield metrics
