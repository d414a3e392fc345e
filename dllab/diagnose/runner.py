"""Run the user's script in a child process, bounded by steps and time (parent side, no torch).

The child (`dllab.diagnose.child`) writes its measurements to a JSON file;
its stdout and stderr, C-level output included, go to a log file, so nothing the
script prints can reach our stdout. The child runs in its own session, so the
whole process group (DataLoader workers too) is ended at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dllab.diagnose.observations import Observations

GRACE_SECONDS = 20.0
"""How long past --time-limit the parent waits before it kills the child."""
INTERRUPT_GRACE_SECONDS = 10.0
"""After Ctrl-C: how long the child gets to stop the script and write what it saw."""
POLL_SECONDS = 0.5
"""How often the parent reads the child's latest observations for progress."""
STOPPING_POLL_SECONDS = 0.1
"""The same while an interrupted child stops: a caller that left is noticed sooner."""


@dataclass(frozen=True)
class Progress:
    """What a running diagnosis has seen so far (for a live display)."""

    steps: int
    seconds: float
    train_loss: float | None
    """Mean of the latest training losses."""
    val_loss: float | None
    """Mean of the latest evaluation losses."""

    @classmethod
    def of(cls, obs: Observations, seconds: float) -> Progress:
        phases = obs.get("phases", [])
        train = [p["mean"] for p in phases if p["kind"] == "train"]
        val = [p["mean"] for p in phases if p["kind"] == "eval"]
        if not val:  # a validation loss the script only prints
            val = [p["val"] for p in obs.get("printed_losses", [])]
        return cls(
            int(obs.get("steps", 0)),
            seconds,
            train[-1] if train else None,
            val[-1] if val else None,
        )


@dataclass
class RunResult:
    """What came back from the child."""

    observations: Observations = field(default_factory=lambda: Observations())
    returncode: int | None = None
    killed: bool = False
    interrupted: bool = False
    """The user pressed Ctrl-C: the child was asked to stop the script and report."""
    log_tail: str = ""
    seconds: float = 0.0


@dataclass
class ChildConfig:
    """Everything the child needs."""

    script: str
    args: list[str] = field(default_factory=list)
    max_steps: int | None = None
    """None: no step budget (the script runs to its end or the time limit)."""
    time_limit: float = 60.0
    device: str = "auto"
    model: str | None = None
    input_shape: list[int] = field(default_factory=list)
    classes: int | None = None


def _child_env(device: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONSTARTUP", None)
    # The child imports dllab from wherever this process did (editable or wheel installs).
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = package_root + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    elif device.startswith("cuda:"):
        env["CUDA_VISIBLE_DEVICES"] = device.split(":", 1)[1]
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        data = path.read_bytes()[-20000:]
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        proc.kill()


def _read_observations(path: Path) -> Observations:
    try:
        data: Observations = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Observations()
    return data


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.name == "posix":
            os.killpg(proc.pid, sig)
        else:  # pragma: no cover - Windows
            proc.send_signal(sig)


def _wait(
    proc: subprocess.Popen[bytes],
    deadline: float,
    out: Path,
    started: float,
    on_progress: Callable[[Progress], None] | None,
    while_starting: Callable[[], None] | None = None,
) -> tuple[bool, bool]:
    """Wait for the child: (killed at the deadline, interrupted by Ctrl-C).

    `while_starting` runs first, inside the same Ctrl-C handling as the wait itself.
    """
    try:
        if while_starting is not None:
            while_starting()
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                return False, False
            except subprocess.TimeoutExpired:
                now = time.monotonic()
                if now > deadline:
                    return True, False
                if on_progress is not None:
                    on_progress(Progress.of(_read_observations(out), now - started))
    except KeyboardInterrupt:
        # The child runs in its own session, so the terminal's SIGINT reached only us:
        # pass it on, so that the script stops where it is and the child reports what it saw.
        _signal_group(proc, signal.SIGINT)
        _wait_stopping(proc, out, started, on_progress)
        return False, True


def _wait_stopping(
    proc: subprocess.Popen[bytes],
    out: Path,
    started: float,
    on_progress: Callable[[Progress], None] | None,
) -> None:
    """Give an interrupted child up to INTERRUPT_GRACE_SECONDS to report, in short polls.

    `on_progress` is still called between them: a caller that has gone away (the lab's
    Diagnose screen, left while a script that ignores Ctrl-C keeps training) raises from
    it, and `run_child` ends the child at once instead of after the whole grace. A second
    Ctrl-C ends the wait too.
    """
    deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            try:
                proc.wait(timeout=min(STOPPING_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
                return
            except subprocess.TimeoutExpired:
                now = time.monotonic()
                if now >= deadline:
                    return
                if on_progress is not None:
                    on_progress(Progress.of(_read_observations(out), now - started))


def run_child(
    config: ChildConfig,
    on_progress: Callable[[Progress], None] | None = None,
    while_starting: Callable[[], None] | None = None,
) -> RunResult:
    """Run the script under instrumentation and collect what the child measured.

    `on_progress` is called about twice a second with what the child has seen so
    far. Ctrl-C stops the script (the child reports up to there) instead of
    discarding the run. `while_starting` runs once the child is spawned: work this
    process needs only afterwards, done while the child spends seconds importing torch.
    """
    with tempfile.TemporaryDirectory(prefix="dllab-diagnose-") as tmp:
        work = Path(tmp)
        out = work / "observations.json"
        log = work / "script.log"
        cfg = {
            "script": config.script,
            "args": config.args,
            "max_steps": config.max_steps,
            "time_limit": config.time_limit,
            "device": config.device,
            "model": config.model,
            "input_shape": config.input_shape,
            "classes": config.classes,
            "out": str(out),
        }
        (work / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
        started = time.monotonic()
        with open(log, "wb") as log_fh:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dllab.diagnose.child", str(work / "config.json")],
                stdin=subprocess.DEVNULL,
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                env=_child_env(config.device),
                start_new_session=os.name == "posix",
            )
            try:
                killed, interrupted = _wait(
                    proc,
                    started + config.time_limit + GRACE_SECONDS,
                    out,
                    started,
                    on_progress,
                    while_starting,
                )
            finally:
                _kill_group(proc)
                if proc.poll() is None:
                    proc.wait()
        return RunResult(
            observations=_read_observations(out),
            returncode=proc.returncode,
            killed=killed,
            interrupted=interrupted,
            log_tail=_tail(log),
            seconds=time.monotonic() - started,
        )
