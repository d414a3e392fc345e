"""The lab's run subscriber: the run's start and ends become Textual messages.

Called on the engine's pipe-reader thread, so it does one thing only:
`post_message` (thread-safe and non-blocking; `call_from_thread` would block
the reader until the UI ran the callback). Metric batches and log lines are not
forwarded: the dispatcher adds every point to the run's history before
subscribers run, the lesson screen redraws from that history on a timer, and
the log is in the run's record (`run.log`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dllab.engine.events import ArmEnded, RunEnded, RunStarted, Subscriber
from dllab.tui.messages import ArmFinished, RunBegan, RunFinished

if TYPE_CHECKING:
    from textual.message_pump import MessagePump


class UiSubscriber(Subscriber):
    """Posts a run's start, each arm's end and the run's end to `target` (its lesson screen)."""

    def __init__(self, target: MessagePump) -> None:
        self.target = target

    def on_run_start(self, event: RunStarted) -> None:
        self.target.post_message(RunBegan(event))

    def on_arm_end(self, event: ArmEnded) -> None:
        self.target.post_message(ArmFinished(event))

    def on_run_end(self, event: RunEnded) -> None:
        self.target.post_message(RunFinished(event))
