"""Messages that cross from a background thread into the lab's UI loop.

The engine calls subscribers on its pipe-reader thread; the lab's subscriber
(`dllab.tui.bridge.UiSubscriber`) turns each event into one of these messages
with `post_message` (thread-safe, non-blocking). Metric points and log lines
get no message: the dispatcher puts points in the run's history before any
subscriber runs, and the charts redraw from it on a timer; the log is in the
run's record. Only the moments the UI acts on (start, an arm's end, the end)
are messages, so the UI loop sees a handful per run, not one per batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from dllab.diagnose.report import Report
    from dllab.diagnose.runner import Progress
    from dllab.engine.events import ArmEnded, RunEnded, RunStarted
    from dllab.hunts import HuntResult


@dataclass
class RunBegan(Message):
    """A run's child process started training (it names the device)."""

    event: RunStarted


@dataclass
class FirstPoints(Message):
    """A run's first metric batch arrived: draw it now, not on the next redraw tick."""

    run: str


@dataclass
class ArmFinished(Message):
    """One arm of a run stopped stepping."""

    event: ArmEnded


@dataclass
class RunFinished(Message):
    """A run is over; `event.claim` holds the verdict."""

    event: RunEnded


@dataclass
class RunRecorded(Message):
    """A run of this lesson ended and its record is complete (the runs panel re-reads it)."""

    lesson_id: str


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
class DiagnoseProgress(Message):
    """What a running diagnosis has seen so far (about twice a second)."""

    run: int
    """Which diagnosis of the screen (a newer one makes this one stale)."""
    progress: Progress

    def can_replace(self, message: Message) -> bool:
        """A newer progress of the same diagnosis supersedes an older one still queued."""
        return isinstance(message, DiagnoseProgress) and message.run == self.run


@dataclass
class DiagnoseDone(Message):
    """`diagnose_file` finished (report) or could not run (error)."""

    path: str
    report: Report | None
    error: str = ""
    run: int = 0
    """Which diagnosis of the screen it ends."""


@dataclass
class OpenLesson(Message):
    """Ask the app to open a lesson (from the home list or a diagnose finding)."""

    lesson_id: str
