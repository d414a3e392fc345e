"""A training child started ahead of its run, so `r` draws the first point at once.

Starting a child and importing torch takes 1-3 s on a small machine; the lab
hides it by starting the child when a lesson opens (`WarmPool.warm`). The
waiting child imports torch, loads the course and imports the lesson's
experiment, then blocks on its stdin for the run's spec (`child.py`). `r` hands
it to the `Run` (`WarmPool.take`), which sends the spec with the knobs as they
are then; the lab asks for a fresh warm child when the run ends. One child runs
one run: a second run in the same process would inherit the first one's state.

The waiting child exits when its stdin closes, so a lab that dies (even by
SIGKILL) leaves no child behind; `WarmPool.close` ends it at once on a normal
quit. Never imports torch or textual.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

Target = tuple[str, str, str]
"""(lessons root, lesson id, device): what a warm child prepared for."""


def child_command() -> list[str]:
    """The command line of a training child."""
    return [sys.executable, "-m", "dllab.engine.child"]


def child_env() -> dict[str, str]:
    """The environment of a training child (unbuffered, tracebacks on a crash)."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}


def prepare_line(target: Target) -> bytes:
    """The stdin line that tells a waiting child which lesson and device to get ready for."""
    root, lesson, device = target
    message = {"type": "prepare", "lessons_root": root, "lesson": lesson, "device": device}
    return json.dumps(message).encode() + b"\n"


class WarmPool:
    """At most one waiting training child, ready for the lesson on screen."""

    def __init__(self, log_path: Path | None = None) -> None:
        self.log_path = log_path
        """Where a waiting child's output goes until a run gives it the run's log."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._target: Target | None = None
        self._lock = threading.Lock()
        self.spawned = 0
        """How many children this pool started (tests read it)."""

    @property
    def pid(self) -> int | None:
        """The waiting child's process id (None when there is none)."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def warm(self, lesson: Lesson, device: str) -> None:
        """Have a child ready for `lesson` on `device`: start one, or re-aim the waiting one."""
        target: Target = (str(lesson.dir.parent), lesson.id, device)
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                if target != self._target and self._write(proc, prepare_line(target)):
                    self._target = target
                return
            self._proc, self._target = self._spawn(target), target

    def take(self) -> subprocess.Popen[bytes] | None:
        """Hand the waiting child over to a run (None if there is none, or it died)."""
        with self._lock:
            proc, self._proc, self._target = self._proc, None, None
        if proc is None or proc.poll() is not None:
            if proc is not None:
                _close_pipes(proc)
            return None
        return proc

    def close(self) -> None:
        """End the waiting child (the lab quits)."""
        proc = self.take()
        if proc is not None:
            end_child(proc)

    def _spawn(self, target: Target) -> subprocess.Popen[bytes] | None:
        log_path = self.log_path or Path(os.devnull)
        try:
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    child_command(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    env=child_env(),
                    start_new_session=True,  # Ctrl-C goes to the lab, which ends the child
                )
        except OSError:
            return None  # no warm child: `r` starts a cold one and reports any error
        self.spawned += 1
        return proc if self._write(proc, prepare_line(target)) else None

    @staticmethod
    def _write(proc: subprocess.Popen[bytes], line: bytes) -> bool:
        try:
            assert proc.stdin is not None
            proc.stdin.write(line)
            proc.stdin.flush()
        except (OSError, ValueError):
            return False
        return True


def end_child(proc: subprocess.Popen[bytes]) -> None:
    """End a waiting child now (it holds nothing yet): terminate, then kill if it lingers."""
    _close_pipes(proc)
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(1.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5.0)


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
