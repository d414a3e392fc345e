"""What a run tells its subscribers: start, batches of metric points, end.

These are plain dataclasses (no torch, no textual) so that every consumer — the
lab's charts, the JSON-lines writer, the Visdom mirror, tests — receives the
same stream, in-process or across the child-process pipe.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, NamedTuple


class RunStatus(str, Enum):
    """How a run (or one arm of it) ended."""

    RUNNING = "running"
    """Still going."""
    COMPLETED = "completed"
    """Every arm ran its steps (an arm may still have diverged: see ArmStatus)."""
    STOPPED = "stopped"
    """The user (or a time limit) stopped it early."""
    FAILED = "failed"
    """The experiment raised, the child process died, or the device failed."""


class ArmStatus(str, Enum):
    """How one arm ended."""

    RUNNING = "running"
    """Still stepping."""
    COMPLETED = "completed"
    """Ran all its steps with finite losses."""
    DIVERGED = "diverged"
    """Its loss became NaN or infinite; the arm stopped there (the others went on)."""
    STOPPED = "stopped"
    """Stopped with the run."""
    FAILED = "failed"
    """Its experiment code raised."""


_QUOTED: dict[str, str] = {}


def _quoted(text: str) -> str:
    """JSON string literal of an arm or metric name, cached: the same few names repeat every step."""
    q = _QUOTED.get(text)
    if q is None:
        q = json.dumps(text, ensure_ascii=False)
        if len(_QUOTED) < 10_000:
            _QUOTED[text] = q
    return q


def json_number(value: float) -> str:
    """A JSON number (repr of a finite float is valid JSON), or null for NaN/inf."""
    return repr(float(value)) if math.isfinite(value) else "null"


_rendered = threading.local()


def render_points(points: list[MetricPoint]) -> list[str]:
    """`json_fields()` of every point, rendered once per batch however many writers ask.

    The dispatcher hands the same list object to every subscriber; the JSON-lines
    sink and the run record both need the same text, so the last batch is kept.
    """
    cached = getattr(_rendered, "batch", None)
    if cached is not None and cached[0] is points:
        return cached[1]  # type: ignore[no-any-return]
    lines = [p.json_fields() for p in points]
    _rendered.batch = (points, lines)
    return lines


class MetricPoint(NamedTuple):
    """One value of one metric of one arm at one step.

    A NamedTuple rather than a frozen dataclass: thousands are made per second
    on the training thread, and a tuple is built about 3x faster.
    """

    run: str
    arm: str
    step: int
    name: str
    value: float

    def to_json(self) -> dict[str, Any]:
        """The `{"type":"metric",...}` line of the JSON stream (non-finite values become null)."""
        value: float | None = self.value if math.isfinite(self.value) else None
        return {
            "type": "metric",
            "arm": self.arm,
            "step": self.step,
            "name": self.name,
            "value": value,
        }

    def json_fields(self) -> str:
        """`"arm":..,"step":..,"name":..,"value":..` rendered fast (JSON-lines writers call this per point)."""
        return f'"arm":{_quoted(self.arm)},"step":{self.step},"name":{_quoted(self.name)},"value":{json_number(self.value)}'


@dataclass(frozen=True)
class RunStarted:
    """A run began: what it runs, on which device, with which arms."""

    run: str
    lesson: str
    config: dict[str, Any]
    device: str
    arms: list[str]
    steps: int
    record_dir: str | None = None
    arm_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The knob values each arm runs with (shared, then the arm's own, then per-arm changes)."""

    def to_json(self) -> dict[str, Any]:
        """The `{"type":"start",...}` line of the JSON stream."""
        data = asdict(self)
        return {"type": "start", **data}


@dataclass(frozen=True)
class ArmEnded:
    """One arm finished (completed, diverged, failed or stopped)."""

    run: str
    arm: str
    status: ArmStatus
    step: int
    message: str = ""


@dataclass
class RunEnded:
    """The run is over. `claim` is filled in by whoever evaluates it (the session)."""

    run: str
    status: RunStatus
    message: str
    elapsed_s: float
    summary: dict[str, dict[str, float | None]]
    arms: dict[str, str] = field(default_factory=dict)
    claim: dict[str, Any] | None = None
    predictions: list[dict[str, Any]] | None = None
    """The lesson's predictions judged on the run (None when the lesson has none)."""

    def to_json(self) -> dict[str, Any]:
        """The final `{"type":"end",...}` line of the JSON stream."""
        extra = {} if self.predictions is None else {"predictions": self.predictions}
        return {
            "type": "end",
            "status": self.status.value,
            "message": self.message,
            "claim": self.claim,
            "summary": self.summary,
            "arms": self.arms,
            "elapsed_s": round(self.elapsed_s, 3),
            **extra,
        }


class Subscriber:
    """Receives a run's events. Override what you need; every hook is a no-op.

    Hooks are called on the engine's thread (the training thread in-process, the
    pipe-reader thread for a child process), in order. They must be quick: a
    subscriber that does I/O of its own (Visdom) queues work to its own thread.
    A hook that raises is logged and its subscriber dropped; the run goes on.
    """

    def on_run_start(self, event: RunStarted) -> None:
        """Called once, before the first step of any arm."""

    def on_metrics(self, points: list[MetricPoint]) -> None:
        """Called with the points of one or more steps, in step order per arm."""

    def on_arm_end(self, event: ArmEnded) -> None:
        """Called when one arm stops stepping."""

    def on_run_end(self, event: RunEnded) -> None:
        """Called once, last."""

    def on_log(self, text: str) -> None:
        """Called with a line of the run's own log (warnings, messages)."""

    def on_dropped(self, error: str) -> None:
        """Called once, instead of any further hook, after one of this subscriber's hooks raised.

        The dispatcher stops calling a subscriber that raised (see
        `Dispatcher._deliver`); release what you hold here, quietly.
        """
