"""Runs side by side: several recorded runs of one lesson on the same axes.

The data side of `dllab runs compare` and of the lab's runs panel: which runs,
what differed between them (their knob settings, for the legend) or from the
lesson's defaults (for the panel's rows), each run's history, and the value of
every series at one step (the panel's cursor). Drawing is `dllab.charts`.
No torch, no textual.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dllab.engine.config import arm_values, default_config
from dllab.engine.history import RunHistory
from dllab.engine.records import RunRecord
from dllab.errors import DllabError

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson


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
    """Per run, only the settings whose value is not the same in every run.

    A run that did not set an arm's knob (`relu.init`) is compared by the value that
    arm ran with (the record's `arm_values`), never as `None`.
    """
    all_settings = [settings(r) for r in records]
    keys = sorted({k for s in all_settings for k in s})
    for record, values in zip(records, all_settings, strict=True):
        ran = record.meta.get("arm_values") or {}
        for key in keys:
            arm, _, name = key.rpartition(".")
            if arm and key not in values and name in (ran.get(arm) or {}):
                values[key] = ran[arm][name]
    varying = [k for k in keys if len({repr(s.get(k)) for s in all_settings}) > 1]
    return [{k: s.get(k) for k in varying} for s in all_settings]


def describe(diff: dict[str, Any]) -> str:
    """`rate=0.2 seed=1`: settings in words ('' when there are none)."""
    return " ".join(f"{k}={_short(v)}" for k, v in diff.items())


def labels(records: list[RunRecord]) -> list[str]:
    """Per run, what set it apart from the others (its id when nothing did)."""
    return [describe(d) or r.run_id for r, d in zip(records, differing(records), strict=True)]


def from_defaults(record: RunRecord, lesson: Lesson) -> dict[str, Any]:
    """The settings of a run that are not the lesson's defaults (`seed` aside: it has a column).

    An arm's own knob (`relu.init`) is compared with what that arm runs by default.
    """
    base = default_config(lesson)
    defaults: dict[str, Any] = dict(base.knobs)
    defaults.update(steps=base.steps, seed=base.seed)
    changed: dict[str, Any] = {}
    for key, value in settings(record).items():
        arm, _, name = key.rpartition(".")
        if key == "seed":
            continue
        if arm and arm in lesson.arms:
            default = arm_values(lesson, base, arm).get(name)
        else:
            default = defaults.get(key)
        if repr(value) != repr(default) and _short(value) != _short(default):
            changed[key] = value
    return changed


def when(record: RunRecord) -> str:
    """When the run started, in local time (`12-02 04:12`), '' if unknown."""
    created = record.meta.get("created")
    try:
        moment = datetime.fromisoformat(str(created))
    except ValueError:
        return ""
    return moment.astimezone().strftime("%m-%d %H:%M")


def final_value(record: RunRecord, arm: str, metric: str) -> float | None:
    """The run's last value of one arm's metric, from its result (None if it has none)."""
    summary = (record.result or {}).get("summary") or {}
    value = (summary.get(arm) or {}).get(metric)
    return float(value) if isinstance(value, (int, float)) else None


# -- the cursor: one step, every series' value there --
FULL = 1_000_000
"""Ask a history for all its points (it holds at most a few thousand per series)."""


def steps_of(histories: list[RunHistory], arms: list[str], metric: str) -> list[int]:
    """Every step at which any of these series has a point, in order."""
    steps: set[int] = set()
    for history in histories:
        for arm in arms:
            steps.update(step for step, _ in history.points(arm, metric, FULL))
    return sorted(steps)


def value_at(history: RunHistory, arm: str, metric: str, step: int) -> float | None:
    """The series' value at `step`: its last point at or before it (series are logged at
    different steps, e.g. every evaluation), None before its first point or if not finite."""
    points = history.points(arm, metric, FULL)
    i = bisect.bisect_right([s for s, _ in points], step)
    if i == 0:
        return None
    value = points[i - 1][1]
    return value if math.isfinite(value) else None


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
    for record, label in zip(records, labels(records), strict=True):
        history = load_history(record)
        runs.append(ComparedRun(record.run_id, label, history, list(history.arm_order)))
    name = metric or default_metric
    if not any(name in run.history.names() for run in runs):
        known = sorted({n for run in runs for n in run.history.names() if "/" not in n})
        raise CompareError(f"no run recorded metric {name!r}; recorded: {', '.join(known)}")
    return name, runs


def load_history(record: RunRecord) -> RunHistory:
    """A recorded run's points as a history."""
    history = RunHistory()
    history.add(list(record.points()))
    return history


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
