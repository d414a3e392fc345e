"""`ddp-diverged-params`: the ranks' parameters differ after training steps.

Under `DistributedDataParallel` every rank starts from rank 0's weights and
applies the same averaged gradients, so the weights stay bitwise equal. Each
rank checksums what its optimizers hold at a few steps (`_ddp.py`); any
difference means the ranks train separate models: the model is not wrapped,
the wrapper is bypassed (`ddp.module(x)`), or gradients are never synchronized
(`no_sync()` around every backward).
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import DistributedInfo, Event, Field
from dllab.diagnose.rules._base import Context
from dllab.diagnose.rules._ranked import RankedRule
from dllab.diagnose.rules._ranks import (
    DISTRIBUTED_LESSON,
    distributed,
    distributed_ranks,
    ranks_text,
)

TOLERANCE = 1e-6
"""Relative difference of two checksums above which the weights differ (equal weights give 0)."""


def relative_difference(a: list[float], b: list[float]) -> float:
    """The largest |a_i - b_i| / (|a_i| + |b_i|) over two checksum lists (1 when their lengths differ)."""
    if len(a) != len(b):
        return 1.0
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        scale = abs(x) + abs(y)
        if scale > 0:
            worst = max(worst, abs(x - y) / scale)
    return worst


def _cause(info: DistributedInfo) -> tuple[str, str]:
    """What the run says about the wrapping, and the fix that goes with it."""
    if info.get("bypassed"):
        return (
            f"{info['bypassed'][0]['model']} is wrapped in DistributedDataParallel but called directly (ddp.module(x)), which skips the gradient all-reduce",
            "Call the DistributedDataParallel object itself (ddp_model(x)); use ddp_model.module only to reach attributes or save the state_dict.",
        )
    if not info.get("wrapped"):
        return (
            "no model was called through DistributedDataParallel",
            "Wrap the model before training: model = DistributedDataParallel(model) (device_ids=[local_rank] on CUDA), build the optimizer from it, and call it for every forward.",
        )
    return (
        "the model runs through DistributedDataParallel, so something else changes the weights per rank (no_sync() around every backward, or updates outside the optimizer)",
        "Let DDP all-reduce the gradients at least every few steps (leave no_sync() for the accumulation steps only) and change the weights only through the optimizer.",
    )


class DdpDivergedParams(RankedRule):
    check = "ddp-diverged-params"
    lesson = DISTRIBUTED_LESSON
    requires = (Field.DISTRIBUTED, Field.MODELS, Event.STEP)

    def run_ranks(self, ctx_by_rank: dict[int, Context]) -> list[Finding]:
        ctxs = distributed_ranks(ctx_by_rank)
        if not ctxs:
            return []
        sums = {
            r: {(s, i): v for s, i, v in distributed(c).get("checksums", [])}
            for r, c in ctxs.items()
        }
        first = min(ctxs)
        diverged: dict[int, tuple[int, float, bool]] = {}
        for rank in list(ctxs)[1:]:
            for key in sorted(set(sums[first]) & set(sums[rank])):
                diff = relative_difference(sums[first][key], sums[rank][key])
                if diff > TOLERANCE:
                    # Keys are in step order: a step-0 key compared before this one was equal.
                    equal_at_start = key[0] > 0 and (0, key[1]) in sums[rank]
                    diverged[rank] = (key[0], diff, equal_at_start)
                    break
        if not diverged:
            return []
        ctx = ctxs[first]
        step, diff, equal_at_start = min(diverged.values())
        if step == 0:
            when = "before the first step (they started from different weights)"
        else:
            when = f"after step {step}" + (", equal before the first" if equal_at_start else "")
        info = distributed(ctx)
        cause, fix = _cause(info)
        built = info.get("built", [])
        models = [m for m in ctx.models() if m.get("file")]
        steps = ctx.sites(Event.STEP)
        bypassed = info.get("bypassed", [])
        if bypassed and bypassed[0]["line"]:
            location = Location(ctx.display_path(bypassed[0]["file"]), bypassed[0]["line"])
        elif built:
            location = Location(ctx.display_path(built[0][0]), built[0][1])
        elif models:
            location = ctx.model_location(models[0]["name"])
        else:
            location = ctx.site_location(steps[0]) if steps else Location(ctx.script, None)
        return [
            self.ranked_finding(
                Severity.ERROR,
                "The ranks' parameters diverge: each rank trains its own model instead of one shared model.",
                f"parameter checksums of {ranks_text(sorted(diverged))} differ from rank {first}'s {when} (relative difference {diff:.1e}); {cause}",
                location,
                fix,
                ranks=[first, *diverged],
                confirmed=True,
            )
        ]
