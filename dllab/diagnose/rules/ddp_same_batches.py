"""`ddp-same-batches`: every rank trains on the same batches (no `DistributedSampler`).

Each rank fingerprints the first training input after a step (`_ddp.py`); two
ranks whose fingerprints agree at nearly every step compared see the same
data: N× the compute for 1× the data, and a larger effective learning rate
than the batch size suggests. A DataLoader with `shuffle=True` and the same
seed on every rank, or one slicing batches by hand from a shared permutation,
does this.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, plural
from dllab.diagnose.rules._ranked import RankedRule
from dllab.diagnose.rules._ranks import (
    DISTRIBUTED_LESSON,
    distributed,
    distributed_ranks,
    ranks_text,
    training_loader,
)

MIN_COMPARED = 3
"""Steps both ranks fingerprinted, at least."""
SAME_SHARE = 0.8
"""Share of compared steps with equal inputs that makes two ranks 'the same'."""


class DdpSameBatches(RankedRule):
    check = "ddp-same-batches"
    lesson = DISTRIBUTED_LESSON
    requires = (Field.DISTRIBUTED, Event.STEP)

    def run_ranks(self, ctx_by_rank: dict[int, Context]) -> list[Finding]:
        ctxs = distributed_ranks(ctx_by_rank)
        if not ctxs:
            return []
        prints = {r: dict(distributed(c).get("fingerprints", [])) for r, c in ctxs.items()}
        first = min(ctxs)
        same_ranks = [first]
        compared = equal = 0
        for rank in list(ctxs)[1:]:
            common = set(prints[first]) & set(prints[rank])
            hits = sum(prints[first][s] == prints[rank][s] for s in common)
            if len(common) >= MIN_COMPARED and hits >= SAME_SHARE * len(common):
                same_ranks.append(rank)
                compared, equal = max(compared, len(common)), max(equal, hits)
        if len(same_ranks) < 2:
            return []
        ctx = ctxs[first]
        info = distributed(ctx)
        loader = training_loader(info)
        if loader is not None and loader.get("line"):
            location = Location(ctx.display_path(loader["file"]), loader["line"])
            source = (
                f"the DataLoader iterated at line {loader['line']} draws with a {loader['sampler']}"
            )
        else:
            steps = ctx.sites(Event.STEP)
            location = ctx.site_location(steps[0]) if steps else Location(ctx.script, None)
            source = "the batches are not drawn from a DataLoader"
        world = info.get("world_size", len(ctxs))
        return [
            self.ranked_finding(
                Severity.ERROR,
                f"Every rank trains on the same batches: {world}× the compute for 1× the data.",
                f"the first training input after a step was identical on {ranks_text(same_ranks)} at {equal} of {plural(compared, 'step')} compared (fingerprints of the model's input); {source}",
                location,
                "Give each rank its own shard: DataLoader(dataset, sampler=DistributedSampler(dataset), ...) without shuffle=True, and call sampler.set_epoch(epoch) at the start of every epoch (or slice by hand with data[rank::world_size]).",
                ranks=same_ranks,
                confirmed=True,
            )
        ]
