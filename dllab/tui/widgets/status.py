"""The lesson screen's status line: device · state · step · steps/s · elapsed · ETA."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from dllab.engine.events import RunStatus
from dllab.engine.history import RunHistory
from dllab.tui.i18n import tr


class RunState(Enum):
    """Where the lesson screen's run is: before it, in it, or how it ended.

    Each value is also the key of its word in `i18n`.
    """

    IDLE = "idle"
    """No run yet: press r."""
    STARTING = "starting"
    """The child process is starting (importing torch)."""
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    """Asked to stop; the run ends after its current step."""
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"

    @classmethod
    def ended(cls, status: RunStatus) -> RunState:
        """The state after a run ended with `status`."""
        return cls(status.value)

    @property
    def is_over(self) -> bool:
        """The run has ended."""
        return self in (RunState.COMPLETED, RunState.STOPPED, RunState.FAILED)

    def word(self, lang: str) -> str:
        """The state in words for the status line ('run completed' once over)."""
        if self.is_over:
            return tr("ended", lang, status=tr(self.value, lang))
        return tr(self.value, lang)


def run_progress(
    history: RunHistory,
    arms: Sequence[str],
    steps: int,
    elapsed_s: float,
    running: bool,
    lang: str,
) -> list[str]:
    """Step, steps/s over all arms, elapsed and (while running) ETA, as status-line parts."""
    done = sum(max(0, history.last_step(a) + 1) for a in arms)
    total = steps * max(1, len(arms))
    elapsed_s = max(1e-6, elapsed_s)
    rate = done / elapsed_s
    step = max((history.last_step(a) + 1 for a in arms), default=0)
    parts = [f"{step}/{steps}", f"{rate:.0f} {tr('steps', lang)}/s", f"{elapsed_s:.0f}s"]
    if running and rate > 0:
        parts.append(f"{tr('eta', lang)} {max(0.0, (total - done) / rate):.0f}s")
    return parts
