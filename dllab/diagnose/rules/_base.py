"""What every rule shares: the evidence it reads (`Context`) and the `Rule` base.

A rule declares the measurements it needs in `requires` (keys of the child's
observations, cockpit's `check_data`). When they are missing (the run crashed
early, or never reached that code) the rule falls back to its static pattern,
reported as a warning, or says nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.static import Source


@dataclass
class Context:
    """Static and dynamic evidence about one script."""

    script: str
    """The script path as the user gave it (used in locations)."""
    source: Source | None
    obs: dict[str, Any] = field(default_factory=dict)
    """The child's observations (empty when the run produced none)."""
    status: str = "completed"

    @property
    def ran(self) -> bool:
        return bool(self.obs)

    @property
    def steps(self) -> int:
        return int(self.obs.get("steps", 0))

    def sites(self, kind: str) -> list[dict[str, Any]]:
        return list(self.obs.get("sites", {}).get(kind, []))

    def losses(self, *fns: str) -> list[dict[str, Any]]:
        return [s for s in self.obs.get("losses", []) if not fns or s.get("fn") in fns]

    def counter(self, name: str) -> int:
        return int(self.obs.get("counters", {}).get(name, 0))

    def models(self) -> list[dict[str, Any]]:
        return list(self.obs.get("models", []))

    def display_path(self, file: str | None) -> str | None:
        if not file:
            return None
        if os.path.abspath(file) == os.path.abspath(self.script):
            return self.script
        try:
            rel = os.path.relpath(file)
        except ValueError:
            return file
        return file if rel.startswith("..") else rel

    def at(self, line: int | None, file: str | None = None) -> Location:
        """A location in the script (default) or in `file`."""
        return Location(self.display_path(file) if file else self.script, line)

    def site_location(self, site: dict[str, Any]) -> Location:
        return Location(self.display_path(site.get("file")), site.get("line") or None)

    def model_location(self, model_name: str | None = None) -> Location:
        for model in self.models():
            if model_name in (None, model["name"]) and model.get("file"):
                return Location(self.display_path(model["file"]), model.get("line"))
        return Location(self.script, None)

    def layer_location(self, model_name: str, layer: str) -> Location:
        """The line where `layer` (a qualified module name) is assigned in its model's class."""
        model = next((m for m in self.models() if m["name"] == model_name), None)
        if model is None or self.source is None:
            return self.model_location(model_name)
        head = layer.split(".")[0]
        if model.get("file") and os.path.abspath(model["file"]) == os.path.abspath(self.script):
            line = self.source.class_attr_lines().get(model["class"], {}).get(head)
            if line:
                return Location(self.script, line)
        if model["class"] == "Sequential" and head.isdigit():
            line = self.source.sequential_element_line(model.get("children", []), int(head))
            if line:
                return Location(self.script, line)
        return self.model_location(model_name)


class Rule:
    """One check: a stable id, a lesson, the measurements it needs, and `run()`."""

    check: ClassVar[str]
    lesson: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()

    def has_data(self, ctx: Context) -> bool:
        return ctx.ran and all(key in ctx.obs for key in self.requires)

    def run(self, ctx: Context) -> list[Finding]:
        raise NotImplementedError

    def finding(
        self,
        severity: Severity,
        message: str,
        evidence: str,
        location: Location,
        fix: str,
        *,
        confirmed: bool,
        related: tuple[Location, ...] = (),
    ) -> Finding:
        return Finding(
            self.check, severity, message, evidence, location, fix, self.lesson, confirmed, related
        )


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def static_severity(unambiguous: bool) -> Severity:
    """A pattern the run did not confirm: a warning unless it cannot be anything but a bug."""
    return Severity.ERROR if unambiguous else Severity.WARNING
