"""The lab's run subscriber: engine events become Textual messages.

Called on the engine's pipe-reader thread, so it does one thing only:
`post_message` (thread-safe and non-blocking; `call_from_thread` would block
the reader until the UI ran the callback). The history is already updated by
the dispatcher before subscribers run, so the UI redraws from it on a timer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dllab.engine.events import ArmEnded, MetricPoint, RunEnded, RunStarted, Subscriber
from dllab.messages import ArmFinished, MetricsArrived, RunBegan, RunFinished, RunLogged

if TYPE_CHECKING:
    from textual.message_pump import MessagePump


class UiSubscriber(Subscriber):
    """Posts every run event to `target` (the lesson screen that started the run)."""

    def __init__(self, target: MessagePump) -> None:
        self.target = target

    def on_run_start(self, event: RunStarted) -> None:
        self.target.post_message(RunBegan(event))

    def on_metrics(self, points: list[MetricPoint]) -> None:
        if points:
            self.target.post_message(MetricsArrived(points[0].run, points))

    def on_arm_end(self, event: ArmEnded) -> None:
        self.target.post_message(ArmFinished(event))

    def on_run_end(self, event: RunEnded) -> None:
        self.target.post_message(RunFinished(event))

    def on_log(self, text: str) -> None:
        self.target.post_message(RunLogged("", text))
