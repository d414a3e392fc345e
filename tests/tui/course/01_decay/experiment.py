"""A deterministic fake experiment: loss = exp(-rate * step) (arm slow uses rate / 4)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator


def run(cfg) -> Iterator[dict[str, float]]:
    rate = cfg.rate / (4 if cfg.arm == "slow" else 1)
    for step in range(cfg.steps):
        if cfg.delay:
            time.sleep(cfg.delay)
        yield {"loss": math.exp(-rate * step), "acc": 1 - 0.9 * math.exp(-rate * step)}
