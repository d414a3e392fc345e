"""The lab's run subscriber: the run's start and ends become Textual messages.

Called on the engine's pipe-reader thread, so it does one thing only:
`post_message` (thread-safe and non-blocking; `call_from_thread` would block
the reader until the UI ran the callback). Metric batches and log lines are not
forwarded: the dispatcher adds every point to the run's history before
subscribers run, the lesson screen redraws from that history on a timer, and
the log is in the run's record (`run.log`). Only the first batch is announced
(`FirstPoints`): the first point appears at once instead of up to a tick later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dllab.engine.events import ArmEnded, MetricPoint, RunEnded, RunStarted, Subscriber
from dllab.tui.messages import ArmFinished, FirstPoints, RunBegan, RunFinished

if TYPE_CHECKING:
    from textual.message_pump import MessagePump


class UiSubscriber(Subscriber):
    """Posts a run's start, first points, each arm's end and its end to `target` (its lesson screen)."""

    def __init__(self, target: MessagePump) -> None:
        self.target = target
        self._announced = False

    def on_run_start(self, event: RunStarted) -> None:
        self.target.post_message(RunBegan(event))

    def on_metrics(self, points: list[MetricPoint]) -> None:
        if not self._announced and points:
            self._announced = True
            self.target.post_message(FirstPoints(points[0].run))

    def on_arm_end(self, event: ArmEnded) -> None:
        self.target.post_message(ArmFinished(event))

    def on_run_end(self, event: RunEnded) -> None:
        self.target.post_message(RunFinished(event))
