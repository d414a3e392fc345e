"""Fan a run's events out to subscribers, keep its history, judge its claim.

One `Dispatcher` sits behind every run, whether it trains in a thread or in a
child process, so every subscriber sees the same events in the same order.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dllab.engine.claims import Check, ClaimResult, evaluate_claim
from dllab.engine.config import RunConfig
from dllab.engine.events import ArmEnded, MetricPoint, RunEnded, RunStarted, RunStatus, Subscriber
from dllab.engine.history import RunHistory

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson


def claim_checks(lesson: Lesson, device: str, lang: str = "en") -> list[Check]:
    """The lesson's checks that apply on this device ('cuda...' or 'cpu')."""
    from dllab.curriculum.model import pick

    kind = "cuda" if device.startswith("cuda") else "cpu"
    return [
        Check(c.expr, pick(c.text, lang), arms=lesson.arms)
        for c in lesson.claims
        if c.when in ("any", kind)
    ]


class Dispatcher:
    """Receives a run's events (from the loop or the pipe) and hands them on."""

    def __init__(
        self,
        lesson: Lesson,
        config: RunConfig,
        run_id: str,
        subscribers: Iterable[Subscriber],
        record_dir: str | None = None,
    ) -> None:
        self.lesson = lesson
        self.config = config
        self.run_id = run_id
        self.subscribers = list(subscribers)
        self.history = RunHistory()
        self.record_dir = record_dir
        self.device = ""
        self.arm_status: dict[str, str] = {}
        self.result: RunEnded | None = None
        self.done = threading.Event()
        self._t0 = time.perf_counter()

    # -- the Emitter protocol (called by the loop or the pipe reader) --------
    def started(self, device: str) -> None:
        self.device = device
        self._t0 = time.perf_counter()
        arms = self.config.arms or list(self.lesson.arms)
        self.arm_status = {a: "running" for a in arms}
        event = RunStarted(
            self.run_id,
            self.lesson.id,
            self.config.to_json(),
            device,
            arms,
            self.config.steps,
            self.record_dir,
        )
        for s in self.subscribers:
            s.on_run_start(event)

    def metrics(self, points: list[MetricPoint]) -> None:
        self.history.add(points)
        for s in self.subscribers:
            s.on_metrics(points)

    def arm_ended(self, event: ArmEnded) -> None:
        self.arm_status[event.arm] = event.status.value
        for s in self.subscribers:
            s.on_arm_end(event)

    def log(self, text: str) -> None:
        for s in self.subscribers:
            s.on_log(text)

    # -- the end -------------------------------------------------------------
    def claim(self) -> ClaimResult:
        """The claim judged on the history so far (live ✓/✗ uses this too)."""
        return evaluate_claim(claim_checks(self.lesson, self.device or "cpu"), self.history)

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Each arm's last value of every metric (non-finite as None)."""
        out: dict[str, dict[str, float | None]] = {}
        for arm in self.history.arm_order:
            out[arm] = {
                k: (v if math.isfinite(v) else None)
                for k, v in self.history.last_values(arm).items()
            }
        return out

    def ended(self, status: RunStatus, message: str) -> RunEnded:
        """Build the end event (claim only for completed runs), tell everyone, return it."""
        claim = (
            self.claim().to_json()
            if status is RunStatus.COMPLETED
            else {"passed": False, "details": [], "reason": f"run {status.value}"}
        )
        event = RunEnded(
            self.run_id,
            status,
            message,
            time.perf_counter() - self._t0,
            self.summary(),
            dict(self.arm_status),
            claim,
        )
        self.result = event
        for s in self.subscribers:
            try:
                s.on_run_end(event)
            except (
                Exception
            ) as exc:  # one broken subscriber must not hide the result from the others
                self.log(f"subscriber {type(s).__name__} failed at run end: {exc}")
        self.done.set()
        return event
