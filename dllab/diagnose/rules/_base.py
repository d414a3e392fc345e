"""What every rule shares: the evidence it reads (`Context`) and the `Rule` base.

A rule declares in `requires` every part of the child's observations it reads
(`observations.Field`, `Event`, `Counter`; cockpit's `check_data`), and
`Context` reads them only by those names. When the run produced none of a
field (it crashed early, or never reached that code) the rule falls back to its
static pattern, reported as a warning, or says nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, cast

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import (
    Counter,
    Event,
    Field,
    LossSite,
    ModelInfo,
    Need,
    Observations,
    SiteRecord,
)
from dllab.diagnose.static import Source


class UndeclaredRead(AssertionError):
    """A rule read a part of the observations that its `requires` does not name."""


@dataclass
class Context:
    """Static and dynamic evidence about one script."""

    script: str
    """The script path as the user gave it (used in locations)."""
    source: Source | None
    obs: Observations = field(default_factory=lambda: cast(Observations, {}))
    """The child's observations (empty when the run produced none)."""
    status: str = "completed"
    declared: frozenset[Need] | None = None
    """When set (`for_rule(strict=True)`), reading anything outside it raises `UndeclaredRead`."""

    def for_rule(self, rule: Rule, *, strict: bool = False) -> Context:
        """The context one rule runs with (strict: its reads are checked against `requires`)."""
        return replace(self, declared=frozenset(rule.requires)) if strict else self

    def _read(self, need: Need) -> None:
        if self.declared is not None and need not in self.declared:
            raise UndeclaredRead(f"read {need!r} without declaring it in requires")

    def get(self, name: Field, default: Any = None) -> Any:
        """One top-level field of the observations (`default` when the run did not record it)."""
        self._read(name)
        return cast(dict[str, Any], self.obs).get(name.value, default)

    def has(self, name: Field) -> bool:
        self._read(name)
        return name.value in self.obs

    @property
    def ran(self) -> bool:
        return bool(self.obs)

    @property
    def steps(self) -> int:
        return int(self.get(Field.STEPS, 0))

    def sites(self, kind: Event) -> list[SiteRecord]:
        self._read(kind)
        return list(self.obs.get("sites", {}).get(kind.value, []))

    def losses(self, *fns: str) -> list[LossSite]:
        return [s for s in self.get(Field.LOSSES, []) if not fns or s.get("fn") in fns]

    def counter(self, name: Counter) -> int:
        self._read(name)
        return int(self.obs.get("counters", {}).get(name.value, 0))

    def models(self) -> list[ModelInfo]:
        return list(self.get(Field.MODELS, []))

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

    def site_location(self, site: SiteRecord | LossSite) -> Location:
        return Location(self.display_path(site.get("file")), site.get("line") or None)

    def model_location(self, model_name: str | None = None) -> Location:
        for model in self.models():
            if model_name in (None, model["name"]) and model.get("file"):
                return Location(self.display_path(model["file"]), model.get("line"))
        return Location(self.script, None)

    def layer_location(self, model_name: str, layer: str) -> Location:
        """The line where `layer` (a qualified module name) is assigned in its model's class."""
        model: ModelInfo | None = next((m for m in self.models() if m["name"] == model_name), None)
        if model is None or self.source is None:
            return self.model_location(model_name)
        head = layer.split(".")[0]
        file = model.get("file")
        if file and os.path.abspath(file) == os.path.abspath(self.script):
            line = self.source.class_attr_lines().get(model["class"], {}).get(head)
            if line:
                return Location(self.script, line)
        if model["class"] == "Sequential" and head.isdigit():
            line = self.source.sequential_element_line(model.get("children", []), int(head))
            if line:
                return Location(self.script, line)
        return self.model_location(model_name)


class Rule:
    """One check: a stable id, a lesson, what of the observations it reads, and `run()`."""

    check: ClassVar[str]
    lesson: ClassVar[str]
    requires: ClassVar[tuple[Need, ...]]
    """Every field, event and counter of the observations that `run()` reads."""

    def has_data(self, ctx: Context, *fields: Field) -> bool:
        """Did the run record all of `fields` (so the rule can judge the run, not just the code)?"""
        return ctx.ran and all(ctx.has(f) for f in fields)

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
