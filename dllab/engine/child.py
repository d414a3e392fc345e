"""The child process of an isolated run (see `run.py` for why a process).

Protocol: stdin lines `{"type": "prepare", ...}` (any number, first) make a
child started ahead of its run (`warm.py`) import torch, the course and the
lesson's experiment and answer `{"type": "ready"}`; then one JSON spec line
starts the run; later lines are `stop`, `pause`, `resume`. Events go out as
JSON lines on a private copy of the original stdout; fd 1 itself is pointed at
the log (fd 2, or the spec's `log` file) so that anything torch or CUDA print
from C cannot corrupt the event stream. Stdin closing before the spec (the lab
went away) ends the child.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

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


class Prepared:
    """What a waiting child loaded ahead of its run: the course, by lessons root."""

    def __init__(self) -> None:
        self.courses: dict[str, Any] = {}

    def course(self, root: str) -> Any:
        """The course under `root` (loaded once: parsing every lesson takes a while)."""
        if root not in self.courses:
            from dllab.curriculum.loader import load_course

            os.environ["DLLAB_LESSONS"] = root
            self.courses[root] = load_course(Path(root))
        return self.courses[root]

    def prepare(self, message: dict[str, Any]) -> None:
        """Import what the run will need, so that its first step comes at once."""
        import torch

        from dllab.curriculum.experiment import load_experiment
        from dllab.engine.device import resolve_device

        lesson = self.course(message["lessons_root"]).lesson(message["lesson"])
        experiment = load_experiment(lesson)  # its imports land in sys.modules
        device = resolve_device(message.get("device", "auto"))
        # The first op on a device pays for its set-up (a CUDA context, CPU kernels,
        # autograd), and the first optimizer imports torch._dynamo (2.6 s of a 2.8 s
        # first step on a busy 2-core box).
        layer = torch.nn.Linear(4, 4).to(device)
        for optimizer in (torch.optim.SGD, torch.optim.Adam):
            opt = optimizer(layer.parameters(), lr=0.0)
            layer(torch.zeros(2, 4, device=device)).sum().backward()
            opt.step()
        _one_step(lesson, experiment, device)


def _one_step(lesson: Any, experiment: Any, device: Any) -> None:
    """One step of the lesson's first arm, defaults, thrown away: its data and models' set-up
    are paid ahead. Every random state is put back, so the run's numbers are the same."""
    import random

    import torch

    from dllab.engine.config import ArmConfig, arm_values, default_config

    config = default_config(lesson)
    arm = next(iter(lesson.arms))
    numpy = sys.modules.get("numpy")
    states = (random.getstate(), numpy.random.get_state() if numpy is not None else None)
    cuda = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            values = arm_values(lesson, config, arm)
            cfg = ArmConfig(values, arm=arm, steps=1, seed=config.seed, device=device)
            steps = experiment(cfg)
            next(steps, None)
            close = getattr(steps, "close", None)
            if close is not None:
                close()
    finally:
        random.setstate(states[0])
        if numpy is not None and states[1] is not None:
            numpy.random.set_state(states[1])


def _redirect_log(path: str) -> None:
    """Point fds 1 and 2 at the run's log (a warm child started before the run had one)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 2)
    os.dup2(fd, 1)
    os.close(fd)


def _wait_for_spec(emitter: PipeEmitter, prepared: Prepared) -> dict[str, Any] | None:
    """Prepare as asked until the spec arrives (None: stdin closed first)."""
    while True:
        line = sys.stdin.readline()
        if not line:
            return None
        message = json.loads(line)
        if message.get("type") != "prepare":
            return dict(message)
        try:
            prepared.prepare(message)
        except Exception as exc:  # the run reports its own errors; say why here for the log
            sys.stderr.write(f"preparing {message.get('lesson')!r} failed: {exc!r}\n")
        emitter._write({"type": "ready", "lesson": message.get("lesson")})
        emitter.flush()


def main() -> None:
    """Run one spec from stdin; always end with an `end` event."""
    event_fd = os.dup(1)
    os.dup2(2, 1)  # C-level and Python prints now land in the log, not in the event pipe
    out = os.fdopen(event_fd, "w", buffering=1 << 16)
    sys.stdout = sys.stderr
    emitter = PipeEmitter(out)
    prepared = Prepared()
    spec = _wait_for_spec(emitter, prepared)
    if spec is None:
        return  # the lab went away before a run
    if spec.get("log"):
        _redirect_log(spec["log"])
    control = RunControl()
    threading.Thread(target=_listen, args=(control,), daemon=True).start()
    try:
        lesson = prepared.course(spec["lessons_root"]).lesson(spec["lesson"])
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
