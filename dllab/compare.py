"""Runs side by side: several recorded runs of one lesson on the same axes.

The data side of `dllab runs compare` (and, later, a runs panel in the lab):
which runs, what differed between them (their knob settings, for the legend),
and each run's history. Drawing is `dllab.charts.draw_compare`. No torch, no textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dllab.engine.history import RunHistory
from dllab.engine.records import RunRecord
from dllab.errors import DllabError


class CompareError(DllabError):
    """The runs cannot be drawn together (different lessons, an unknown metric)."""


@dataclass
class ComparedRun:
    """One run on the comparison chart."""

    run_id: str
    label: str
    """What set this run apart from the others (`rate=0.2`), or its id when nothing did."""
    history: RunHistory
    arms: list[str]


def settings(record: RunRecord) -> dict[str, Any]:
    """A run's knob values, shared and per arm (`arm.knob`), plus steps and seed."""
    config = record.meta.get("config") or {}
    values: dict[str, Any] = dict(config.get("knobs") or {})
    for arm, knobs in (config.get("arm_knobs") or {}).items():
        for name, value in dict(knobs).items():
            values[f"{arm}.{name}"] = value
    values["steps"] = config.get("steps")
    values["seed"] = config.get("seed")
    return values


def differing(records: list[RunRecord]) -> list[dict[str, Any]]:
    """Per run, only the settings whose value is not the same in every run."""
    all_settings = [settings(r) for r in records]
    keys = sorted({k for s in all_settings for k in s})
    varying = [k for k in keys if len({repr(s.get(k)) for s in all_settings}) > 1]
    return [{k: s.get(k) for k in varying} for s in all_settings]


def compare_runs(
    records: list[RunRecord], metric: str | None, default_metric: str
) -> tuple[str, list[ComparedRun]]:
    """The metric to draw and the runs, labelled by what differed.

    Raises:
        CompareError: the runs are of different lessons, or none of them has the metric.
    """
    lessons = {r.meta.get("lesson") for r in records}
    if len(lessons) > 1:
        raise CompareError(
            f"runs of different lessons cannot share axes: {', '.join(sorted(map(str, lessons)))}"
        )
    runs = []
    for record, diff in zip(records, differing(records), strict=True):
        history = RunHistory()
        history.add(list(record.points()))
        label = " ".join(f"{k}={_short(v)}" for k, v in diff.items()) or record.run_id
        runs.append(ComparedRun(record.run_id, label, history, list(history.arm_order)))
    name = metric or default_metric
    if not any(name in run.history.names() for run in runs):
        known = sorted({n for run in runs for n in run.history.names() if "/" not in n})
        raise CompareError(f"no run recorded metric {name!r}; recorded: {', '.join(known)}")
    return name, runs


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
