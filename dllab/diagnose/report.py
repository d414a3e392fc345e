"""The result of one diagnosis: findings, how the run ended, and chart data (no torch, no rich)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dllab import exit_codes
from dllab.diagnose.findings import Finding, Severity, at_or_above

STATUS_TEXT = {
    "completed": "the script ran to its end",
    "no-steps": "the script ran to its end without one optimizer.step(): there was no training to diagnose",
    "max-steps": "stopped at the --max-steps budget",
    "time-limit": "stopped at the --time-limit budget",
    "script-error": "the script raised an exception",
    "exit": "the script exited with a non-zero status",
    "crashed": "the script's process crashed",
    "syntax-error": "the script has a syntax error",
    "missing-file": "the script could not be read",
    "interrupted": "stopped with Ctrl-C",
    "peer-failed": "stopped because another rank failed (distributed runs)",
    "internal-error": "dllab could not run the diagnosis",
}
"""Every `status` a report can have, with its meaning."""

BUDGET_STATUSES = {"completed", "max-steps"}


@dataclass(frozen=True)
class RankStatus:
    """How one rank of a distributed diagnosis ended (`Report.ranks`)."""

    rank: int
    """Its global rank (`RANK`)."""
    status: str
    """One of `STATUS_TEXT`, as a single-process run's status."""
    detail: str = ""
    """Why it ended that way (the error, the signal, the peer it waited for)."""
    steps: int = 0
    location: tuple[str | None, int | None] = (None, None)
    """Where its error was raised, or where it stood when it was stopped."""
    log_tail: str = ""
    """The last lines this rank printed."""

    def as_json(self) -> dict[str, Any]:
        file, line = self.location
        return {
            "rank": self.rank,
            "status": self.status,
            "detail": self.detail,
            "steps_observed": self.steps,
            "location": {"file": file, "line": line},
        }


@dataclass
class Report:
    """What `diagnose_file` returns and every renderer (rich, JSON, TUI) reads."""

    script: str
    status: str
    """One of `STATUS_TEXT`."""
    findings: list[Finding] = field(default_factory=list)
    steps_observed: int = 0
    """Optimizer steps the run took before it ended."""
    detail: str = ""
    """The error message, exit status or signal behind a failed status."""
    error_location: tuple[str | None, int | None] = (None, None)
    log_tail: str = ""
    """The last lines the script printed (stdout and stderr together)."""
    grad_norms: dict[str, float] = field(default_factory=dict)
    """Chart data: median weight-gradient norm per layer (first model), in forward order."""
    dead_fractions: dict[str, float] = field(default_factory=dict)
    """Chart data: fraction of never-firing units per activation layer."""
    models: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    ranks: list[RankStatus] = field(default_factory=list)
    """Distributed runs: each rank's own ending, by rank (empty for a single process)."""
    charts_rank: int | None = None
    """Distributed runs: the rank the per-layer charts come from."""
    world_size: int = 0
    """Distributed runs: ranks in the whole job (more than `ranks` when other nodes run some)."""

    @property
    def diagnosed(self) -> bool:
        """False when the script could not be run far enough to be diagnosed."""
        if self.status in BUDGET_STATUSES:
            return True
        return self.status in ("time-limit", "interrupted") and self.steps_observed > 0

    def at_or_above(self, threshold: Severity | str) -> list[Finding]:
        return at_or_above(self.findings, Severity(threshold))

    def has(self, check: str) -> bool:
        """Is there a finding with this check id? (what lesson bug hunts ask)"""
        return any(f.check == check for f in self.findings)

    def exit_code(self, fail_on: Severity | str = Severity.ERROR) -> int:
        """1 with findings at or above `fail_on`; else 2 when not diagnosed; else 0."""
        if self.at_or_above(fail_on):
            return exit_codes.FAILED
        return exit_codes.OK if self.diagnosed else exit_codes.USAGE

    def as_json(self) -> dict[str, Any]:
        """The `--json` document; `reason` says why a run was not diagnosed (only then)."""
        doc: dict[str, Any] = {
            "diagnosed": self.diagnosed,
            "findings": [f.as_json() for f in self.findings],
            "script": self.script,
            "steps_observed": self.steps_observed,
            "status": self.status,
        }
        if self.ranks:
            doc["world_size"] = self.world_size or len(self.ranks)
            doc["ranks"] = [r.as_json() for r in self.ranks]
            doc["charts_rank"] = self.charts_rank
        if not self.diagnosed:
            file, line = self.error_location
            doc["reason"] = {
                "status_text": STATUS_TEXT.get(self.status, self.status),
                "detail": self.detail,
                "location": {"file": file, "line": line},
                "log_tail": self.log_tail,
            }
        return doc
