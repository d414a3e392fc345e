"""The child process of an isolated run (see `run.py` for why a process).

Protocol: the first stdin line is a JSON spec; later stdin lines are `stop`,
`pause`, `resume`. Events go out as JSON lines on a private copy of the
original stdout; fd 1 itself is pointed at the log (fd 2) so that anything
torch or CUDA print from C cannot corrupt the event stream.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO

from dllab.engine.config import RunConfig
from dllab.engine.events import ArmEnded, MetricPoint, RunStatus
from dllab.engine.loop import RunControl, train
from dllab.errors import DllabError

FLUSH_INTERVAL_S = 0.05
"""Metric batches are flushed at most this often (the lab redraws at ~4 Hz)."""


class PipeEmitter:
    """Writes the loop's events as JSON lines."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.lock = threading.Lock()
        self._pending: list[list[object]] = []
        self._last_flush = 0.0

    def _write(self, event: dict[str, object]) -> None:
        with self.lock:
            self.out.write(json.dumps(event) + "\n")

    def flush(self) -> None:
        with self.lock:
            if self._pending:
                self.out.write(json.dumps({"type": "metrics", "points": self._pending}) + "\n")
                self._pending = []
            self.out.flush()
            self._last_flush = time.monotonic()

    def started(self, device: str) -> None:
        self._write({"type": "start", "device": device})
        self.flush()

    def metrics(self, points: list[MetricPoint]) -> None:
        import math

        with self.lock:
            self._pending.extend(
                [p.arm, p.step, p.name, p.value if math.isfinite(p.value) else None] for p in points
            )
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def arm_ended(self, event: ArmEnded) -> None:
        self.flush()
        self._write(
            {
                "type": "arm_end",
                "arm": event.arm,
                "status": event.status.value,
                "step": event.step,
                "message": event.message,
            }
        )
        self.flush()

    def log(self, text: str) -> None:
        sys.stderr.write(text.rstrip() + "\n")
        sys.stderr.flush()


def _listen(control: RunControl) -> None:
    for line in sys.stdin:
        command = line.strip()
        if command == "stop":
            control.stop()
        elif command == "pause":
            control.paused.set()
        elif command == "resume":
            control.paused.clear()
    control.stop()  # the parent went away: stop at the next step


def main() -> None:
    """Run one spec from stdin; always end with an `end` event."""
    event_fd = os.dup(1)
    os.dup2(2, 1)  # C-level and Python prints now land in the log, not in the event pipe
    out = os.fdopen(event_fd, "w", buffering=1 << 16)
    sys.stdout = sys.stderr
    emitter = PipeEmitter(out)
    spec = json.loads(sys.stdin.readline())
    control = RunControl()
    threading.Thread(target=_listen, args=(control,), daemon=True).start()
    os.environ["DLLAB_LESSONS"] = spec["lessons_root"]
    try:
        from dllab.curriculum.loader import load_course

        lesson = load_course(Path(spec["lessons_root"])).lesson(spec["lesson"])
        status, message = train(
            lesson, RunConfig.from_json(spec["config"]), spec["run_id"], emitter, control
        )
    except DllabError as exc:
        status, message = RunStatus.FAILED, str(exc)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        status, message = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
    emitter.flush()
    emitter._write({"type": "end", "status": status.value, "message": message})
    emitter.flush()
    out.close()


if __name__ == "__main__":
    main()
