"""`ddp-set-epoch`: a shuffling `DistributedSampler` whose `set_epoch` is never called.

`DistributedSampler` seeds its permutation with `seed + epoch`, and `epoch`
changes only through `sampler.set_epoch(epoch)`: without it every epoch
visits the same batches in the same order. Seen on one rank: the sampler's
`epoch` at the start of each pass over the DataLoader (`_ddp.py`).
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._ranks import DISTRIBUTED_LESSON, distributed, trained_passes


class DdpSetEpoch(Rule):
    check = "ddp-set-epoch"
    lesson = DISTRIBUTED_LESSON
    requires = (Field.DISTRIBUTED,)

    def run(self, ctx: Context) -> list[Finding]:
        info = distributed(ctx)
        findings = []
        for loader in info.get("loaders", []):
            if loader["sampler"] != "DistributedSampler" or not loader["shuffle"]:
                continue
            trained = trained_passes(loader)
            epochs = {e["sampler_epoch"] for e in trained}
            if len(trained) < 2 or len(epochs) != 1:
                continue
            prints = [e["fingerprint"] for e in trained if e["fingerprint"]]
            same = (
                f"; the first batch was the same in {len(prints)} of them"
                if len(prints) >= 2 and len(set(prints)) == 1
                else ""
            )
            findings.append(
                self.finding(
                    Severity.WARNING,
                    "The DistributedSampler's epoch never changes (set_epoch is not called every epoch): each epoch shuffles the data into the same order.",
                    f"the sampler's epoch was {epochs.pop()} at the start of all {len(trained)} training passes over the DataLoader{same}",
                    Location(ctx.display_path(loader["file"]), loader["line"]),
                    "Call sampler.set_epoch(epoch) at the start of every epoch, before iterating the DataLoader.",
                    confirmed=True,
                )
            )
        return findings
