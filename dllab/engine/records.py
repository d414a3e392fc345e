"""Run records: every run leaves `config.json`, `metrics.jsonl`, `run.log` and `result.json`.

They live under the user's data dir (`dllab.paths.runs_dir()`), one folder per
run id, so runs can be listed, compared, re-plotted and replayed (`dllab runs`).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dllab import __version__
from dllab.engine.config import RunConfig
from dllab.engine.events import MetricPoint, RunEnded, RunStarted, Subscriber, render_points
from dllab.errors import RunRecordError
from dllab.fsutil import atomic_write_json

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson


class RecordWriter(Subscriber):
    """Writes one run's record as it happens (buffered: no sync I/O per step)."""

    def __init__(self, run_id: str, lesson: Lesson, config: RunConfig) -> None:
        from dllab.paths import runs_dir

        self.dir = runs_dir() / run_id
        self.dir.mkdir(parents=True, exist_ok=True)
        self.meta: dict[str, Any] = {
            "run": run_id,
            "lesson": lesson.id,
            "config": config.to_json(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "dllab": __version__,
        }
        atomic_write_json(self.dir / "config.json", self.meta)
        self._metrics: IO[str] = (self.dir / "metrics.jsonl").open(
            "a", encoding="utf-8", buffering=1 << 16
        )
        self._log: IO[str] = (self.dir / "run.log").open("a", encoding="utf-8")
        self._last_flush = time.monotonic()

    def on_run_start(self, event: RunStarted) -> None:
        # What each arm ran with: shared knobs alone do not say it when arms fix their own.
        self.meta.update(device=event.device, arms=event.arms, arm_values=event.arm_values)
        atomic_write_json(self.dir / "config.json", self.meta)
        self._log.write(f"started on {event.device}, arms {', '.join(event.arms)}\n")
        self._log.flush()

    def on_metrics(self, points: list[MetricPoint]) -> None:
        self._metrics.write("".join(f"{{{line}}}\n" for line in render_points(points)))
        now = time.monotonic()
        if now - self._last_flush > 2.0:  # a crash loses at most ~2 s of points
            self._metrics.flush()
            self._last_flush = now

    def on_log(self, text: str) -> None:
        self._log.write(text.rstrip() + "\n")
        self._log.flush()

    def on_run_end(self, event: RunEnded) -> None:
        self._metrics.close()
        self._log.write(f"ended: {event.status.value} {event.message}\n")
        self._log.close()
        atomic_write_json(self.dir / "result.json", event.to_json())

    def on_dropped(self, error: str) -> None:
        # The disk filled up or the folder went away: no result.json is written,
        # so `dllab runs` lists the run as unfinished; say why where we still can.
        with contextlib.suppress(OSError, ValueError):
            self._metrics.close()
        with contextlib.suppress(OSError, ValueError):
            self._log.write(f"record incomplete: {error}\n")
        with contextlib.suppress(OSError, ValueError):
            self._log.close()


@dataclass
class RunRecord:
    """A recorded run, read back from disk."""

    dir: Path
    meta: dict[str, Any]
    result: dict[str, Any] | None

    @property
    def run_id(self) -> str:
        """The run's id (its folder name)."""
        return self.dir.name

    @property
    def status(self) -> str:
        """completed / stopped / failed, or 'unfinished' if the process died."""
        return str(self.result["status"]) if self.result else "unfinished"

    def points(self) -> Iterator[MetricPoint]:
        """Every metric point, in recorded order (a torn last line is skipped)."""
        path = self.dir / "metrics.jsonl"
        if not path.exists():
            return
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    d = json.loads(line)
                except json.JSONDecodeError:
                    continue
                value = math.nan if d["value"] is None else float(d["value"])
                yield MetricPoint(self.run_id, d["arm"], int(d["step"]), d["name"], value)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def list_runs(lesson: str | None = None) -> list[RunRecord]:
    """Recorded runs, newest first (optionally of one lesson)."""
    from dllab.paths import runs_dir

    records = []
    for folder in runs_dir().iterdir():
        meta = _read_json(folder / "config.json") if folder.is_dir() else None
        if meta is None or (lesson and meta.get("lesson") != lesson):
            continue
        records.append(RunRecord(folder, meta, _read_json(folder / "result.json")))
    # `created` has whole seconds (a sweep starts several runs in one): its config file's
    # time, rewritten as the run starts, orders those
    return sorted(records, key=lambda r: (r.meta.get("created", ""), _mtime(r.dir)), reverse=True)


def _mtime(folder: Path) -> int:
    try:
        return (folder / "config.json").stat().st_mtime_ns
    except OSError:
        return 0


def load_run(run_id: str) -> RunRecord:
    """A run by id, unique prefix, or 'last'.

    Raises:
        RunRecordError: no such run, or several match the prefix.
    """
    runs = list_runs()
    if run_id == "last" and runs:
        return runs[0]
    exact = [r for r in runs if r.run_id == run_id]
    matches = exact or [r for r in runs if r.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RunRecordError(f"no recorded run {run_id!r} (see `dllab runs`)")
    raise RunRecordError(f"{run_id!r} matches {len(matches)} runs; give more of the id")
