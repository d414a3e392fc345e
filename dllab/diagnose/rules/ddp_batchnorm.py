"""`ddp-batchnorm-sync`: BatchNorm in a DDP model at a small per-rank batch.

Under `DistributedDataParallel` a plain `BatchNorm` normalizes over its own
rank's batch only; below about 16 samples per rank its statistics get noisy
(Wu & He, *Group Normalization*, 2018: the error of BN climbs as the batch
per device shrinks under 16). `SyncBatchNorm` computes them over every rank.
Info only: a small per-rank batch can be a deliberate trade.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.rules._ranks import DISTRIBUTED_LESSON, distributed

SMALL_BATCH = 16
"""Per-rank batches below this size make BatchNorm's statistics noisy."""


class DdpBatchnormSync(Rule):
    check = "ddp-batchnorm-sync"
    lesson = DISTRIBUTED_LESSON
    requires = (Field.DISTRIBUTED,)

    def run(self, ctx: Context) -> list[Finding]:
        info = distributed(ctx)
        batch = info.get("batch_size")
        layers = info.get("batchnorm", [])
        world = info.get("world_size", 1)
        if not layers or batch is None or batch >= SMALL_BATCH or world < 2:
            return []
        built = info.get("built", [])
        location = (
            Location(ctx.display_path(built[0][0]), built[0][1])
            if built
            else Location(ctx.script, None)
        )
        names = ", ".join(n.split(".", 1)[-1] for n in layers[:3]) + (
            "…" if len(layers) > 3 else ""
        )
        return [
            self.finding(
                Severity.INFO,
                f"BatchNorm under DDP normalizes over each rank's {batch} samples, not the global batch of {batch * world}.",
                f"{plural(len(layers), 'BatchNorm layer')} ({names}) in the DDP model, per-rank batch {batch}, {world} ranks",
                location,
                "Convert before wrapping: model = nn.SyncBatchNorm.convert_sync_batchnorm(model), then DistributedDataParallel(model); or use a larger per-rank batch.",
                confirmed=True,
            )
        ]
