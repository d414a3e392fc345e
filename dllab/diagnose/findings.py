"""What `dllab diagnose` reports: findings with a severity, evidence, a line, a fix and a lesson."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, unique
from typing import Any


@unique
class Severity(str, Enum):
    """How bad a finding is (a `StrEnum`: compares and serialises as its value)."""

    ERROR = "error"
    """Results are wrong (confirmed by the run, or an unambiguous pattern)."""
    WARNING = "warning"
    """Costly or likely wrong (e.g. wasted memory, a pattern the run could not confirm)."""
    INFO = "info"
    """Style or a small inefficiency."""

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Location:
    """A place in the user's source."""

    file: str | None = None
    """Path of the file (as given on the command line or found in the run)."""
    line: int | None = None
    """1-based line number."""

    def __str__(self) -> str:
        if self.file is None:
            return "-"
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Finding:
    """One problem found in the user's script."""

    check: str
    """Stable check id (`double-softmax`, `missing-eval`, …), used by `--json`."""
    severity: Severity
    message: str
    """What is wrong, in one sentence."""
    evidence: str
    """The numbers behind it ("fc2: 71% of 128 ReLU units never fired over 6,400 samples")."""
    location: Location = field(default_factory=Location)
    fix: str = ""
    """The fix, in one or two sentences."""
    lesson: str = ""
    """Id of the lesson that teaches it (may be a lesson still to come)."""
    confirmed: bool = False
    """True when the run measured it, False for a static-only finding."""
    related: tuple[Location, ...] = ()
    """Other lines involved (e.g. the softmax line of a double softmax)."""
    ranks: tuple[int, ...] = ()
    """Distributed runs: the ranks that show it (empty for a single process)."""

    def as_json(self) -> dict[str, Any]:
        """The `--json` shape of a finding."""
        return {
            "check": self.check,
            "severity": self.severity.value,
            "message": self.message,
            "evidence": self.evidence,
            "location": {"file": self.location.file, "line": self.location.line},
            "fix": self.fix,
            "lesson": self.lesson,
            **({"ranks": list(self.ranks)} if self.ranks else {}),
        }


def at_or_above(findings: list[Finding], threshold: Severity) -> list[Finding]:
    """The findings whose severity is at least `threshold`."""
    return [f for f in findings if f.severity.rank >= threshold.rank]
