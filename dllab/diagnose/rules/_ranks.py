"""What the distributed checks share: reading `Field.DISTRIBUTED` and the DataLoader passes.

The checks that compare ranks are `RankedRule`s (`_ranked.py`); the ones a
single rank shows (`set_epoch`, BatchNorm) are ordinary `Rule`s, merged across
ranks by the distributed diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from dllab.diagnose.observations import DistributedInfo, Field, LoaderEpoch, LoaderInfo
from dllab.diagnose.rules._base import Context

DISTRIBUTED_LESSON = ""
"""No lesson of the course teaches distributed training: these findings name none (no learn line)."""


def distributed(ctx: Context) -> DistributedInfo:
    """This rank's distributed observations (`{}` when it never initialized `torch.distributed`)."""
    info = ctx.get(Field.DISTRIBUTED)
    return cast(DistributedInfo, info or {})


def ranks_text(ranks: list[int]) -> str:
    """`rank 1`, `ranks 0 and 1`, `ranks 0, 2 and 3`."""
    if len(ranks) == 1:
        return f"rank {ranks[0]}"
    return "ranks " + ", ".join(str(r) for r in ranks[:-1]) + f" and {ranks[-1]}"


def trained_passes(loader: LoaderInfo) -> list[LoaderEpoch]:
    """The passes over `loader` during which a model trained (a training input got fingerprinted).

    An evaluation pass has none: the fingerprint goes to the first training input
    after the latest pass started.
    """
    return [e for e in loader["epochs"] if e["fingerprint"] is not None]


def training_loader(info: DistributedInfo) -> LoaderInfo | None:
    """The DataLoader with the most training passes (None without one)."""
    best: tuple[int, LoaderInfo] | None = None
    for loader in info.get("loaders", []):
        n = len(trained_passes(loader))
        if n > 0 and (best is None or n > best[0]):
            best = (n, loader)
    return best[1] if best else None


def distributed_ranks(ranks: Mapping[int, Context]) -> dict[int, Context]:
    """The ranks that initialized `torch.distributed` (at least two, else `{}`), in rank order."""
    found = {r: c for r, c in sorted(ranks.items()) if distributed(c)}
    return found if len(found) >= 2 else {}
