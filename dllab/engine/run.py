"""A run handle: start a lesson's experiment in the background, control it, get its result.

Two ways to train, same events:

* `isolate=False` — a thread in this process. Used by `dllab run`/`check`,
  benchmarks and tests: no start-up cost, and torch is imported anyway.
* `isolate=True` — a child process (`python -m dllab.engine.child`). The lab
  uses it. Why a process and not a thread: Textual draws on the terminal's
  fd 2, and torch/CUDA/NCCL write warnings straight to fd 1/2 from C, which
  no Python redirection can catch; a segfault or CUDA OOM in a thread would
  take the whole app down; and the UI process never imports torch, so the lab
  opens in well under a second. The child's stdout carries JSON events; its C
  level stdout and stderr go to the run's log file. A child started ahead of
  the run (`warm.py`, `child=`) skips the start-up; if it died while waiting,
  the run starts a fresh one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import IO, TYPE_CHECKING

from dllab.engine.config import RunConfig
from dllab.engine.dispatch import Dispatcher
from dllab.engine.events import ArmEnded, ArmStatus, MetricPoint, RunEnded, RunStatus, Subscriber
from dllab.engine.history import RunHistory
from dllab.engine.loop import RunControl, train
from dllab.engine.warm import child_command, child_env, end_child
from dllab.errors import DllabError

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

STOP_GRACE_S = 1.0
"""How long a child gets to stop at a step boundary before it is terminated."""


def new_run_id(lesson_id: str) -> str:
    """A sortable, unique run id: lesson-YYYYmmdd-HHMMSS-xxxx."""
    return f"{lesson_id}-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


class Run:
    """One run of a lesson config, in a thread or a child process."""

    def __init__(
        self,
        lesson: Lesson,
        config: RunConfig,
        subscribers: Iterable[Subscriber] = (),
        *,
        isolate: bool = False,
        record: bool = True,
        child: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.lesson = lesson
        self.config = config
        self.run_id = new_run_id(lesson.id)
        self.isolate = isolate
        subs = list(subscribers)
        self.record_dir: str | None = None
        if record:
            from dllab.engine.records import RecordWriter

            writer = RecordWriter(self.run_id, lesson, config)
            self.record_dir = str(writer.dir)
            subs.insert(0, writer)
        self.dispatcher = Dispatcher(lesson, config, self.run_id, subs, self.record_dir)
        self.control = RunControl()
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._warm = child
        self.warm_start = False
        """The run trains in a child started ahead of it (set once the child took the spec)."""
        self._began = False

    @property
    def history(self) -> RunHistory:
        """The run's bounded metric history (live)."""
        return self.dispatcher.history

    @property
    def result(self) -> RunEnded | None:
        """The end event once the run is over."""
        return self.dispatcher.result

    def start(self) -> Run:
        """Start training in the background; returns self."""
        target = self._run_child if self.isolate else self._run_thread
        self._thread = threading.Thread(target=target, name=f"dllab-run-{self.run_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current step (a child is terminated if it does not stop in time)."""
        self.control.stop()
        if self._proc is not None:
            self._send("stop")
            threading.Thread(target=self._reap, daemon=True).start()

    def pause(self) -> None:
        """Hold between steps until `resume()`."""
        self.control.paused.set()
        self._send("pause")

    def resume(self) -> None:
        """Continue after `pause()`."""
        self.control.paused.clear()
        self._send("resume")

    @property
    def pid(self) -> int | None:
        """The training child's process id (None in a thread, or before it started)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def paused(self) -> bool:
        """Whether the run is paused."""
        return self.control.paused.is_set()

    def wait(self, timeout: float | None = None) -> RunEnded | None:
        """Block until the run ends (or the timeout passes); return its end event."""
        self.dispatcher.done.wait(timeout)
        return self.dispatcher.result

    @property
    def running(self) -> bool:
        """True until the end event has been dispatched."""
        return not self.dispatcher.done.is_set()

    # -- in a thread ---------------------------------------------------------
    def _run_thread(self) -> None:
        try:
            status, message = train(
                self.lesson, self.config, self.run_id, self.dispatcher, self.control
            )
        except DllabError as exc:
            status, message = RunStatus.FAILED, str(exc)
        except Exception as exc:  # a bug in dllab itself: still end the run with a message
            status, message = RunStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
        self.dispatcher.ended(status, message)

    # -- in a child process --------------------------------------------------
    def _run_child(self) -> None:
        try:
            self._supervise_child()
        except Exception as exc:
            # A bug in the reader itself: the child could block on a full pipe and
            # the run would stay "running" for ever, so kill it and end the run.
            self._kill()
            self._end_early(RunStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}")

    def _supervise_child(self) -> None:
        log_path = os.path.join(self.record_dir, "child.log") if self.record_dir else os.devnull
        spec = {
            "lessons_root": str(self.lesson.dir.parent),
            "lesson": self.lesson.id,
            "run_id": self.run_id,
            "config": self.config.to_json(),
            "log": log_path,  # a warm child's output goes here from now on
        }
        warm, self._warm = self._warm, None
        proc = warm if warm is not None and warm.poll() is None else None
        if proc is None:
            if warm is not None:
                end_child(warm)
            proc = self._spawn(log_path)
            if proc is None:
                return
        self.warm_start = proc is warm
        self._proc = proc
        self._send(json.dumps(spec))
        if self.control.stop_requested.is_set():
            self._send("stop")
        end = self._read_events(proc.stdout)
        code = proc.wait()
        if end is None and self.warm_start and not self._began:
            # the warm child died before it started the run: a cold start instead
            self.warm_start = False
            proc = self._spawn(log_path)
            if proc is None:
                return
            self._proc = proc
            self._send(json.dumps(spec))
            if self.control.stop_requested.is_set():
                self._send("stop")
            end = self._read_events(proc.stdout)
            code = proc.wait()
        if end is None:
            message = f"the training process exited unexpectedly ({_describe_exit(code)})"
            tail = _tail(log_path)
            if tail:
                message += f"; last log line: {tail}"
            self._end_early(RunStatus.FAILED, message)
        else:
            self.dispatcher.ended(RunStatus(end["status"]), str(end.get("message", "")))

    def _spawn(self, log_path: str) -> subprocess.Popen[bytes] | None:
        """Start a cold child (None, and the run ended, if that fails)."""
        try:
            with open(log_path, "ab") as log:
                return subprocess.Popen(
                    child_command(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    env=child_env(),
                    start_new_session=True,  # Ctrl-C in the terminal goes to the UI, which stops the run cleanly
                )
        except OSError as exc:
            self.dispatcher.ended(RunStatus.FAILED, f"could not start the training process: {exc}")
            return None

    def _end_early(self, status: RunStatus, message: str) -> None:
        """End a run whose child sent no end event: arms still running end with it."""
        if self.control.stop_requested.is_set():
            status, message = RunStatus.STOPPED, "stopped by request"
        for arm, state in list(self.dispatcher.arm_status.items()):
            if state == "running":
                self.dispatcher.arm_ended(
                    ArmEnded(
                        self.run_id,
                        arm,
                        ArmStatus.STOPPED if status is RunStatus.STOPPED else ArmStatus.FAILED,
                        -1,
                        message,
                    )
                )
        self.dispatcher.ended(status, message)

    def _read_events(self, stream: IO[bytes] | None) -> dict[str, object] | None:
        assert stream is not None
        for raw in stream:
            try:
                event = json.loads(raw)
            except json.JSONDecodeError:
                self.dispatcher.log(raw.decode(errors="replace").rstrip())
                continue
            kind = event.get("type")
            if kind == "metrics":
                pts = [
                    MetricPoint(self.run_id, a, s, n, float("nan") if v is None else float(v))
                    for a, s, n, v in event["points"]
                ]
                self.dispatcher.metrics(pts)
            elif kind == "start":
                self._began = True
                self.dispatcher.started(event["device"])
            elif kind == "arm_end":
                self.dispatcher.arm_ended(
                    ArmEnded(
                        self.run_id,
                        event["arm"],
                        ArmStatus(event["status"]),
                        event["step"],
                        event.get("message", ""),
                    )
                )
            elif kind == "log":
                self.dispatcher.log(event["text"])
            elif kind == "end":
                return dict(event)
        return None

    def _send(self, line: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            return
        try:
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def _reap(self) -> None:
        proc = self._proc
        if proc is None:
            return
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return
            time.sleep(0.02)
        proc.terminate()
        try:
            proc.wait(1.0)
        except subprocess.TimeoutExpired:
            proc.kill()

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        proc.kill()
        # Still there after 5 s means stuck in the kernel: nothing more a parent can do.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5.0)


def _describe_exit(code: int) -> str:
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            lines = [
                ln for ln in fh.read()[-4000:].decode(errors="replace").splitlines() if ln.strip()
            ]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""
