"""The child process of `dllab diagnose`: runs the user's script with probes attached.

Usage (by the runner only): `python -m dllab.diagnose.child CONFIG.json`.

The script runs as `__main__` through `runpy.run_path` with its own `sys.argv`,
its directory first on `sys.path` and the caller's working directory, exactly as
`python script.py` would. The user's file is never edited. The child's stdout and
stderr are the log file the runner opened; measurements go to the JSON file named
in the config, rewritten (atomically) during the run so a crash keeps the last one.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
import threading
import time
import traceback
from types import FrameType, TracebackType
from typing import Any

from dllab.diagnose._rank import main_thread_frame, start_rank, stood_at
from dllab.diagnose.observations import ErrorInfo, Outcome, StoodAt

TIME_LIMIT_EXIT = 124
"""Exit status of a child that the watchdog ended at the time limit."""


def _error_info(exc: BaseException, tb: TracebackType | None, rec: Any) -> ErrorInfo:
    """The exception with its innermost frame in the user's own files."""
    frames = traceback.extract_tb(tb)
    user = (
        [f for f in frames if rec is not None and rec.code.is_user_file(f.filename)] if rec else []
    )
    where = user[-1] if user else (frames[-1] if frames else None)
    # What `python script.py` would have printed, without dllab's and runpy's frames.
    dllab_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    foreign = [
        f
        for f in frames
        if not f.filename.startswith(dllab_dir) and not f.filename.endswith("runpy.py")
    ]
    shown = [f for f in frames if f in user or (foreign and f is foreign[-1])]
    lines = [
        "Traceback (most recent call last):\n",
        *traceback.format_list(shown),
        *traceback.format_exception_only(type(exc), exc),
    ]
    sys.stderr.write("".join(lines))
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:2000],
        "file": where.filename if where else None,
        "line": where.lineno if where else None,
        "traceback": "".join(lines[-12:])[-4000:],
    }


def _run_model_only(config: dict[str, Any], rec: Any) -> None:
    import runpy

    from dllab.diagnose._synthetic import train_synthetic

    namespace = runpy.run_path(config["script"], run_name="__dllab_model__")
    model = eval(config["model"], namespace)  # the user's own expression, in their namespace
    train_synthetic(
        model,
        config["input_shape"],
        config.get("classes"),
        config.get("max_steps") or 40,
        config.get("device", "auto"),
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as fh:
        config: dict[str, Any] = json.load(fh)
    faulthandler.enable(file=sys.stderr, all_threads=False)
    out_path: str = config["out"]
    script = os.path.abspath(config["script"])
    time_limit = float(config["time_limit"])
    if config.get("distributed"):  # one of the ranks under torch.distributed.run
        out_path, _ = start_rank(out_path, config["log"])

    from dllab.diagnose._instrument import Instrumentation
    from dllab.diagnose._recorder import Recorder, StopDiagnose

    max_steps = config.get("max_steps")
    rec = Recorder(script, None if max_steps is None else int(max_steps), out_path)
    outcome: Outcome = {"status": "completed"}
    done = threading.Event()
    stood: list[StoodAt] = []

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        stood.append(stood_at(frame, rec.code.is_user_file))
        raise StopDiagnose("time-limit")

    def on_term(signum: int, frame: FrameType | None) -> None:
        # The elastic agent ends the other ranks when one fails: report what this one saw.
        raise StopDiagnose("peer-failed")

    def watchdog() -> None:
        # Last resort when the script is stuck in C code with signals blocked.
        if not done.wait(time_limit + 3.0):
            try:
                rec.flush(
                    partial=False,
                    outcome={
                        "status": "time-limit",
                        "note": "killed by the watchdog",
                        "stood_at": stood_at(main_thread_frame(), rec.code.is_user_file),
                        "ended_at": time.time(),
                    },
                )
            finally:
                os._exit(TIME_LIMIT_EXIT)

    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, time_limit)
    if config.get("distributed"):
        signal.signal(signal.SIGTERM, on_term)
    threading.Thread(target=watchdog, daemon=True, name="dllab-watchdog").start()

    instrumentation = Instrumentation(rec)
    sys.argv = [script, *config.get("args", [])]
    # As `python script.py`: the script's folder first on sys.path, not our cwd (`-m` put it there).
    if sys.path and sys.path[0] in ("", os.getcwd()) and os.getcwd() != os.path.dirname(script):
        sys.path.pop(0)
    sys.path.insert(0, os.path.dirname(script))
    instrumentation.install()
    started = time.monotonic()
    try:
        if config.get("model"):
            _run_model_only(config, rec)
        else:
            import runpy

            runpy.run_path(script, run_name="__main__")
    except StopDiagnose as stop:
        # In model-only mode the step budget is our own training length: reaching it is the end.
        outcome = {
            "status": "completed"
            if config.get("model") and stop.status == "max-steps"
            else stop.status
        }
    except SystemExit as exc:
        code = exc.code
        if code is None or code == 0:
            outcome = {"status": "completed", "exit_code": 0}
        else:
            outcome = {
                "status": "exit",
                "exit_code": code if isinstance(code, int) else 1,
                "message": "" if isinstance(code, int) else str(code),
            }
    except KeyboardInterrupt:
        outcome = {"status": "interrupted"}
    except BaseException as exc:
        outcome = {"status": "script-error", "error": _error_info(exc, exc.__traceback__, rec)}
    finally:
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        instrumentation.uninstall()
    outcome["script_seconds"] = time.monotonic() - started
    outcome["ended_at"] = time.time()
    if stood and outcome["status"] == "time-limit":
        outcome["stood_at"] = stood[0]
    rec.flush(partial=False, outcome=outcome)
    done.set()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: the user's leftover threads or DataLoader workers must not hang us.
    os._exit(0)


if __name__ == "__main__":
    main()
