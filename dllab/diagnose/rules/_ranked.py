"""Checks across ranks: the base of the rules that compare what every rank of a DDP job saw.

A single-process rule (`Rule`) judges one rank's observations; under
`dllab diagnose --nproc-per-node N` it runs once per rank and the merge in
`dllab.diagnose.distributed` says which ranks show each finding. A `RankedRule`
instead sees every rank's `Context` at once (`run_ranks`), for what only a
comparison shows: the same batches on every rank, parameters that diverge,
decisions that differ. Ranked rules run only in a distributed diagnosis.
"""

from __future__ import annotations

from dataclasses import replace

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.rules._base import Context, Rule


class RankedRule(Rule):
    """One cross-rank check: `run_ranks` gets each rank's evidence, keyed by its global rank.

    `requires` declares what it reads of each rank's observations, as for `Rule`
    (the contract tests check both). Ranks that produced no observations (they
    crashed before the first flush) are in the mapping with an empty `obs`.
    """

    def run(self, ctx: Context) -> list[Finding]:
        """A single process has no peers to compare with: nothing to say."""
        return []

    def run_ranks(self, ctx_by_rank: dict[int, Context]) -> list[Finding]:
        raise NotImplementedError

    def ranked_finding(
        self,
        severity: Severity,
        message: str,
        evidence: str,
        location: Location,
        fix: str,
        *,
        ranks: tuple[int, ...] | list[int],
        confirmed: bool,
        related: tuple[Location, ...] = (),
    ) -> Finding:
        """A finding that names the ranks it concerns (sorted; all ranks for a job-wide problem)."""
        base = self.finding(
            severity, message, evidence, location, fix, confirmed=confirmed, related=related
        )
        return replace(base, ranks=tuple(sorted(set(ranks))))
