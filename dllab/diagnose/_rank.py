"""Child side of a distributed diagnosis: one rank's own files, and where it stood when stopped.

Under `torch.distributed.run` every rank is an ordinary diagnose child; this
module gives each its own observations file and log (suffixed by `RANK`), records
its pid for the parent (the elastic agent starts every worker in a session of its
own, so the parent ends each worker's process group by that pid), and says
where the main thread stood when a time limit stopped it: in the user's own code
(the rank that hung) or inside torch (a rank waiting in a collective for it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from dllab.diagnose.observations import StoodAt

_DLLAB_DIR = os.path.dirname(os.path.abspath(__file__ + "/.."))


def rank() -> int:
    """This worker's global rank (0 outside a distributed launch)."""
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def rank_file(path: str, rank: int) -> str:
    """`obs.json` -> `obs.rank3.json`: one file per rank, side by side."""
    p = Path(path)
    return str(p.with_name(f"{p.stem}.rank{rank}{p.suffix}"))


def start_rank(out_path: str, log_path: str) -> tuple[str, int]:
    """Point this worker's output at its own files; returns its observations path and rank.

    stdout and stderr (file descriptors 1 and 2, so C-level output too) go to the
    rank's log, as the single-process runner does with the whole child.
    """
    r = rank()
    fd = os.open(rank_file(log_path, r), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    Path(rank_file(str(Path(out_path).with_name("pid.txt")), r)).write_text(
        str(os.getpid()), encoding="ascii"
    )
    return rank_file(out_path, r), r


def stood_at(frame: FrameType | None, is_user_file: Callable[[str], bool]) -> StoodAt:
    """Where the main thread stood: its innermost user line, and whether torch code was below it."""
    innermost: str | None = None
    while frame is not None:
        name = frame.f_code.co_filename
        if innermost is None and not os.path.abspath(name).startswith(_DLLAB_DIR + os.sep):
            innermost = name
        if is_user_file(name):
            in_torch = innermost is not None and innermost != name and _is_torch(innermost)
            return {"file": name, "line": frame.f_lineno, "in_torch": in_torch}
        frame = frame.f_back
    return {"file": None, "line": None, "in_torch": innermost is not None and _is_torch(innermost)}


def main_thread_frame() -> FrameType | None:
    """The main thread's current frame (from another thread: the watchdog)."""
    import threading

    main = threading.main_thread().ident
    return sys._current_frames().get(main) if main is not None else None


def _is_torch(filename: str) -> bool:
    parts = Path(filename).parts
    return "torch" in parts
