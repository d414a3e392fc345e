"""`ddp-rank-local-decision`: ranks take different early-stopping or checkpoint decisions.

A validation loss or metric computed on one rank's shard differs from rank to
rank; compared against a best value without an all-reduce, it makes each rank
decide on its own. What the run shows (`_ddp.py`):

- a `torch.save` line reached by several ranks at different steps (each rank
  saved "its" best checkpoint), or
- the training DataLoader passed over a different number of times per rank,
  the ranks with fewer passes ending normally: they left the loop early
  (early stopping), and the others are left waiting in DDP's all-reduce
  (a "Connection closed by peer" error, or a hang).

A rank-local metric that is only printed (or acted on by rank 0 alone) changes
no rank's course and is never reported.
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context
from dllab.diagnose.rules._ranked import RankedRule
from dllab.diagnose.rules._ranks import (
    DISTRIBUTED_LESSON,
    distributed,
    distributed_ranks,
    ranks_text,
    training_loader,
)
from dllab.diagnose.static import Source

ENDED = frozenset({"completed", "no-steps"})
"""Statuses of a rank that left its loop by itself (a budget or Ctrl-C stops every rank alike)."""
_ENDING = {
    "script-error": "failed",
    "crashed": "crashed",
    "time-limit": "hung",
    "peer-failed": "was stopped waiting for it",
    "completed": "ended",
    "exit": "exited",
}
FIX = (
    "Reduce the metric over all ranks before deciding (dist.all_reduce(t, op=dist.ReduceOp.SUM); "
    "t /= world_size), or decide on rank 0 and dist.broadcast the decision; save from rank 0 only."
)


def conditional_break(source: Source | None, loader_line: int | None = None) -> int | None:
    """The line of a `break` under an `if` that compares (`if bad_epochs >= patience:`).

    Preferably one in a loop around the training DataLoader's `for` (`loader_line`),
    the epoch loop, not one that cuts a pass short; else the first in the file.
    """
    if source is None:
        return None
    found: list[tuple[int, ast.AST | None]] = []
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Break):
            compared = False
            for anc in source.ancestors(node):
                if isinstance(anc, (ast.For, ast.While, ast.AsyncFor)):
                    if compared:
                        found.append((node.lineno, anc))
                    break
                if isinstance(anc, ast.If) and any(
                    isinstance(n, ast.Compare) for n in ast.walk(anc.test)
                ):
                    compared = True
    for line, loop in sorted(found, key=lambda f: f[0]):
        start, end = getattr(loop, "lineno", 0), getattr(loop, "end_lineno", 0) or 0
        if loader_line is not None and start < loader_line <= end:
            return line
    return min((line for line, _ in found), default=None)


class DdpRankLocalDecision(RankedRule):
    check = "ddp-rank-local-decision"
    lesson = DISTRIBUTED_LESSON
    requires = (Field.DISTRIBUTED,)

    def run_ranks(self, ctx_by_rank: dict[int, Context]) -> list[Finding]:
        ctxs = distributed_ranks(ctx_by_rank)
        if not ctxs:
            return []
        return self._saves(ctxs) or self._passes(ctxs)

    def _saves(self, ctxs: dict[int, Context]) -> list[Finding]:
        by_site: dict[tuple[str, int], dict[int, list[int]]] = {}
        for rank, ctx in ctxs.items():
            for site in distributed(ctx).get("saves", []):
                by_site.setdefault((site["file"], site["line"]), {})[rank] = site["steps"]
        findings = []
        for (file, line), steps in by_site.items():
            if len(steps) < 2 or len({tuple(s) for s in steps.values()}) == 1:
                continue
            ctx = ctxs[min(steps)]
            shown = "; ".join(
                f"rank {r} at step{'s' if len(s) > 1 else ''} {_steps(s)}"
                for r, s in sorted(steps.items())
            )
            findings.append(
                self.ranked_finding(
                    Severity.ERROR,
                    "Ranks decide differently when to save a checkpoint: the metric behind it is each rank's own, not reduced across ranks.",
                    f"torch.save ran {shown}",
                    Location(ctx.display_path(file), line),
                    FIX,
                    ranks=list(steps),
                    confirmed=True,
                )
            )
        return findings

    def _passes(self, ctxs: dict[int, Context]) -> list[Finding]:
        passes: dict[int, int] = {}
        lengths = set()
        site = None
        for rank, ctx in ctxs.items():
            loader = training_loader(distributed(ctx))
            if loader is None:
                return []
            site = site or (loader["file"], loader["line"])
            if (loader["file"], loader["line"]) != site:
                return []
            # Every pass started counts: a rank that went on fails in its first step's all-reduce.
            passes[rank] = len(loader["epochs"])
            lengths.add(loader["length"])
        fewest = min(passes.values())
        early = [r for r, n in passes.items() if n == fewest]
        if len(early) == len(passes) or len(lengths) != 1:
            return []  # same decisions, or shards of different sizes (not a decision)
        if not all(ctxs[r].status in ENDED for r in early):
            return []
        late = [r for r in passes if r not in early]
        ctx = ctxs[early[0]]
        same_file = site is not None and ctx.display_path(site[0]) == ctx.script
        line = conditional_break(ctx.source, site[1] if site and same_file else None)
        location = (
            Location(ctx.script, line)
            if line
            else Location(ctx.display_path(site[0] if site else None), site[1] if site else None)
        )
        others = ", ".join(
            f"rank {r} started pass {passes[r]} and {_ENDING.get(ctxs[r].status, ctxs[r].status)}"
            for r in late
        )
        return [
            self.ranked_finding(
                Severity.ERROR,
                "Ranks stop training at different epochs: the early-stopping metric is each rank's own, not reduced across ranks.",
                f"{ranks_text(early)} left the loop after {fewest} passes over the training DataLoader and ended; {others}: DDP's all-reduce needs every rank",
                location,
                FIX,
                ranks=list(passes),
                confirmed=True,
            )
        ]


def _steps(steps: list[int]) -> str:
    shown = ", ".join(str(s) for s in steps[:6])
    return shown + (f" … ({len(steps)} saves)" if len(steps) > 6 else "")
