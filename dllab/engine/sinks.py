"""Subscribers that print a run: JSON Lines for machines, plain lines for logs.

The JSON Lines schema (documented in the README; tests and tools rely on it):

    {"type":"start","run":..,"lesson":..,"config":{..},"device":"cpu","arms":[..],"steps":N,"record_dir":..}
    {"type":"metric","arm":"relu","step":12,"name":"loss","value":0.53}     (value null if NaN/inf)
    {"type":"end","status":"completed|stopped|failed","message":"..","claim":{"passed":true,"details":[..]},
     "summary":{"relu":{"loss":0.1}},"arms":{"relu":"completed"},"elapsed_s":1.23}
"""

from __future__ import annotations

import json
import math
import time
from typing import IO, TYPE_CHECKING

from dllab.engine.events import (
    ArmEnded,
    MetricPoint,
    RunEnded,
    RunStarted,
    Subscriber,
    render_points,
)

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson


class JsonLinesWriter(Subscriber):
    """Writes the run as JSON Lines to a stream (stdout for `dllab run --json`)."""

    def __init__(self, out: IO[str], flush_interval_s: float = 0.1) -> None:
        self.out = out
        self.flush_interval_s = flush_interval_s
        self._last_flush = 0.0

    def _line(self, data: dict[str, object]) -> None:
        self.out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")

    def on_run_start(self, event: RunStarted) -> None:
        self._line(event.to_json())
        self.out.flush()

    def on_metrics(self, points: list[MetricPoint]) -> None:
        self.out.write("".join(f'{{"type":"metric",{line}}}\n' for line in render_points(points)))
        now = time.monotonic()
        if now - self._last_flush >= self.flush_interval_s:
            self.out.flush()
            self._last_flush = now

    def on_run_end(self, event: RunEnded) -> None:
        self._line(event.to_json())
        self.out.flush()


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


class PlainProgress(Subscriber):
    """One self-contained line per evaluation: for pipes and logs (no \\r spam)."""

    def __init__(self, out: IO[str], lesson: Lesson, steps: int) -> None:
        self.out = out
        self.lesson = lesson
        self.steps = steps
        self._latest: dict[str, dict[str, float]] = {}

    def on_run_start(self, event: RunStarted) -> None:
        self.out.write(
            f"{self.lesson.id}: {len(event.arms)} arm(s) ({', '.join(event.arms)}) on {event.device}, {event.steps} steps\n"
        )
        self.out.flush()

    def on_metrics(self, points: list[MetricPoint]) -> None:
        for p in points:
            self._latest.setdefault(p.arm, {})[p.name] = p.value
        steps = {(p.arm, p.step) for p in points}
        for arm, step in sorted(steps, key=lambda s: s[1]):
            if (step + 1) % self.lesson.report_every == 0 or step + 1 == self.steps:
                self._report(arm, step)

    def _report(self, arm: str, step: int) -> None:
        latest = self._latest.get(arm, {})
        shown = [f"{m}={_fmt(latest[m])}" for m in self.lesson.report if m in latest]
        self.out.write(f"[{arm}] step {step + 1}/{self.steps} " + " ".join(shown) + "\n")
        self.out.flush()

    def on_arm_end(self, event: ArmEnded) -> None:
        if event.message:
            self.out.write(f"[{event.arm}] {event.status.value}: {event.message}\n")
            self.out.flush()
