"""Fan a run's events out to subscribers, keep its history, judge its claim.

One `Dispatcher` sits behind every run, whether it trains in a thread or in a
child process, so every subscriber sees the same events in the same order.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dllab.curriculum.claims import Check, ClaimResult, evaluate_claim
from dllab.engine.config import RunConfig, arm_values
from dllab.engine.events import ArmEnded, MetricPoint, RunEnded, RunStarted, RunStatus, Subscriber
from dllab.engine.history import RunHistory

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dropped:
    """A subscriber the dispatcher stopped calling because one of its hooks raised."""

    subscriber: Subscriber
    hook: str
    error: str

    def describe(self) -> str:
        """One line for the run's log and its end message."""
        return f"{type(self.subscriber).__name__} dropped after {self.hook} raised {self.error}"


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
        self.dropped: list[Dropped] = []
        self._t0 = time.perf_counter()

    # -- the one guard every subscriber call goes through ----------------------
    def _deliver(self, hook: str, call: Callable[[Subscriber], Any]) -> None:
        """Call `call(s)` for every live subscriber; one that raises is logged and dropped.

        Why drop and go on: a subscriber is an observer (a chart, a mirror, the
        record). Its bug, or a full disk under the record, must neither fail the
        training nor (in a lab run, where this runs on the pipe-reader thread)
        kill the reader, which would leave the run "running" for ever and the
        child blocked on a full pipe. What was lost is said in the run's log and
        its end message, so the run and its record stay honest.
        """
        failed: list[tuple[Subscriber, BaseException]] = []
        for s in self.subscribers:
            try:
                call(s)
            except Exception as exc:
                failed.append((s, exc))
        for s, error in failed:
            self._drop(s, hook, error)

    def _drop(self, s: Subscriber, hook: str, exc: BaseException) -> None:
        if s not in self.subscribers:
            return
        self.subscribers.remove(s)
        drop = Dropped(s, hook, f"{type(exc).__name__}: {exc}")
        self.dropped.append(drop)
        logger.debug("%s", drop.describe(), exc_info=exc)
        try:
            s.on_dropped(drop.error)
        except Exception as cleanup:  # best effort: it already failed once
            logger.debug("%s failed to clean up: %s", type(s).__name__, cleanup)
        self.log(f"dllab: {drop.describe()}")

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
            {a: arm_values(self.lesson, self.config, a) for a in arms},
        )
        self._deliver("on_run_start", lambda s: s.on_run_start(event))

    def metrics(self, points: list[MetricPoint]) -> None:
        self.history.add(points)
        self._deliver("on_metrics", lambda s: s.on_metrics(points))

    def arm_ended(self, event: ArmEnded) -> None:
        self.arm_status[event.arm] = event.status.value
        self._deliver("on_arm_end", lambda s: s.on_arm_end(event))

    def log(self, text: str) -> None:
        self._deliver("on_log", lambda s: s.on_log(text))

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

    def _predictions(self, status: RunStatus) -> list[dict[str, Any]] | None:
        if not self.lesson.predictions:
            return None
        from dllab.engine.predict import judge_predictions

        done = self.history if status is RunStatus.COMPLETED else None
        return judge_predictions(self.lesson, self.config.predictions, done)

    def ended(self, status: RunStatus, message: str) -> RunEnded:
        """Build the end event (claim only for completed runs), tell everyone, return it.

        Called once per run; a second call (a reader cleaning up after a bug)
        returns the first end event unchanged.
        """
        if self.result is not None:
            return self.result
        try:
            claim = (
                self.claim().to_json()
                if status is RunStatus.COMPLETED
                else {"passed": False, "details": [], "reason": f"run {status.value}"}
            )
        except Exception as exc:  # a bug judging the claim still ends the run
            status, message = RunStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
            claim = {"passed": False, "details": [], "reason": "run failed"}
        notes = [d.describe() for d in self.dropped]
        event = RunEnded(
            self.run_id,
            status,
            "; ".join([message, *notes] if message else notes),
            time.perf_counter() - self._t0,
            self.summary(),
            dict(self.arm_status),
            claim,
            self._predictions(status),
        )
        self.result = event
        self._deliver("on_run_end", lambda s: s.on_run_end(event))
        late = [d.describe() for d in self.dropped[len(notes) :]]
        if late:  # e.g. the record's result.json could not be written: say so to the caller
            event.message = "; ".join([event.message, *late] if event.message else late)
        self.done.set()
        return event
