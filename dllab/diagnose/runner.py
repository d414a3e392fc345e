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
from dataclasses import dataclass, field
from pathlib import Path

from dllab.diagnose.observations import Observations

GRACE_SECONDS = 20.0
"""How long past --time-limit the parent waits before it kills the child."""


@dataclass
class RunResult:
    """What came back from the child."""

    observations: Observations = field(default_factory=lambda: Observations())
    returncode: int | None = None
    killed: bool = False
    log_tail: str = ""
    seconds: float = 0.0


@dataclass
class RunConfig:
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


def run_child(config: RunConfig) -> RunResult:
    """Run the script under instrumentation and collect what the child measured."""
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
            killed = False
            try:
                proc.wait(timeout=config.time_limit + GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                killed = True
            except KeyboardInterrupt:
                _kill_group(proc)
                proc.wait()
                raise
            finally:
                _kill_group(proc)
                if proc.poll() is None:
                    proc.wait()
        result = RunResult(
            returncode=proc.returncode,
            killed=killed,
            log_tail=_tail(log),
            seconds=time.monotonic() - started,
        )
        try:
            result.observations = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result.observations = {}
        return result
