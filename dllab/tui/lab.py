"""What the lab's screens need from the app, as a protocol, so screens never import `app.py`.

`LabApp` (in `app.py`) composes the screens, so the screens cannot import it
back without a cycle. They see the app through `Lab` instead; mypy checks that
`LabApp` is one (see the end of `app.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dllab.curriculum.model import Course, Lesson
    from dllab.engine.config import RunConfig
    from dllab.engine.events import Subscriber
    from dllab.engine.run import Run
    from dllab.progress import Progress


@dataclass
class LabOptions:
    """The command-line options of `dllab` (no subcommand)."""

    lang: str = "en"
    fps: float = 4.0
    mouse: bool = True
    ascii_markers: bool = False
    device: str = "auto"
    visdom_url: str | None = None


class Lab(Protocol):
    """The app as the screens use it: course, progress, language, runs."""

    @property
    def lang(self) -> str:
        """The language of the lesson texts and the UI words."""

    options: LabOptions
    course: Course
    progress: Progress

    def continue_lesson(self) -> str | None:
        """Where the learner left off."""

    def open_lesson(self, lesson_id: str) -> None:
        """Show a lesson's screen."""

    def save_progress(self) -> None:
        """Write the progress file (a failure becomes a notification)."""

    def reset_progress(self, lesson_id: str | None) -> None:
        """Forget one lesson's progress, or everything."""

    def start_run(
        self, lesson: Lesson, config: RunConfig, subscribers: Sequence[Subscriber]
    ) -> Run:
        """Start a run with the lab's subscribers added."""

    def prewarm(self, lesson: Lesson) -> None:
        """Get a training child ready for the lesson's next run (in the background)."""

    def running(self) -> list[Run]:
        """Runs still training."""

    def device_label(self, device: str) -> str:
        """A device in words for the status line."""

    def watch_device(self, device: str) -> None:
        """Follow a run's device (GPU stats in the status line)."""

    def status_notice(self) -> str:
        """One line of app-wide notices for the status bar."""
