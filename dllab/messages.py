"""Messages that cross from a background thread into the lab's UI loop.

The engine calls subscribers on its pipe-reader thread; the lab's subscriber
(`dllab.tui.bridge.UiSubscriber`) turns each event into one of these messages
with `post_message` (thread-safe, non-blocking). Handlers on the UI loop only
set state; charts redraw on a timer from the run's history, so a dropped or
coalesced message never loses data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from dllab.curriculum.bughunt import HuntResult
    from dllab.engine.events import ArmEnded, MetricPoint, RunEnded, RunStarted


@dataclass
class RunBegan(Message):
    """A run's child process started training (it names the device)."""

    event: RunStarted


@dataclass
class MetricsArrived(Message):
    """A batch of metric points (already in the run's history when this arrives)."""

    run_id: str
    points: list[MetricPoint]

    def can_replace(self, message: Message) -> bool:
        """Consecutive batches of one run may be merged: the history holds the data."""
        return isinstance(message, MetricsArrived) and message.run_id == self.run_id


@dataclass
class ArmFinished(Message):
    """One arm of a run stopped stepping."""

    event: ArmEnded


@dataclass
class RunFinished(Message):
    """A run is over; `event.claim` holds the verdict."""

    event: RunEnded


@dataclass
class RunLogged(Message):
    """A line of the run's own log (warnings, a failure's traceback)."""

    run_id: str
    text: str


@dataclass
class MirrorNotice(Message):
    """A one-line notice from the Visdom mirror (e.g. the server is down)."""

    text: str


@dataclass
class HuntChecked(Message):
    """The learner's bug-hunt file was checked."""

    lesson_id: str
    result: HuntResult


@dataclass
class DiagnoseDone(Message):
    """`diagnose_file` finished (report) or could not run (error)."""

    path: str
    report: Any
    error: str = ""


@dataclass
class OpenLesson(Message):
    """Ask the app to open a lesson (from the home list or a diagnose finding)."""

    lesson_id: str
