"""The learner's progress, kept in one JSON file in the user's data dir.

Writes are atomic (temp file + rename). A file that cannot be read (a crash of
some other tool, a hand edit gone wrong) is moved aside to
`progress.json.corrupt-<time>` and the learner is told; dllab never crashes on it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dllab.fsutil import atomic_write_json

NEW, STARTED, PASSED = "new", "started", "passed"
FORMAT = 1


@dataclass
class Progress:
    """Per-lesson status plus where the learner left off."""

    path: Path
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: str | None = None
    notice: str = ""
    """Set when the file was corrupt and moved aside (the UI shows it once)."""

    @classmethod
    def load(cls, path: Path | None = None) -> Progress:
        """Read the progress file (a missing file is an empty progress)."""
        if path is None:
            from dllab.paths import data_dir

            path = data_dir() / "progress.json"
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("lessons", {}), dict):
                raise ValueError("unexpected layout")
            lessons = {k: v for k, v in data.get("lessons", {}).items() if isinstance(v, dict)}
            current = data.get("current") if isinstance(data.get("current"), str) else None
            return cls(path, lessons, current)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                path.replace(aside)
                where = f"moved to {aside.name}"
            except OSError:
                where = "left in place"
            return cls(
                path,
                notice=f"Your progress file could not be read ({exc}); it was {where} and progress starts fresh.",
            )

    def save(self) -> None:
        """Write atomically."""
        atomic_write_json(
            self.path, {"format": FORMAT, "current": self.current, "lessons": self.lessons}
        )

    def status(self, lesson_id: str) -> str:
        """new, started or passed."""
        return str(self.lessons.get(lesson_id, {}).get("status", NEW))

    def _entry(self, lesson_id: str) -> dict[str, Any]:
        return self.lessons.setdefault(lesson_id, {"status": NEW})

    def mark_started(self, lesson_id: str) -> None:
        """The learner opened or ran the lesson."""
        entry = self._entry(lesson_id)
        if entry.get("status") == NEW:
            entry["status"] = STARTED
        entry["last_opened"] = time.time()
        self.current = lesson_id

    def mark_passed(self, lesson_id: str) -> None:
        """The lesson's claim held on a run (or its bug hunt was fixed)."""
        entry = self._entry(lesson_id)
        entry["status"] = PASSED
        entry.setdefault("passed_at", time.time())
        self.current = lesson_id

    def hunt_passed(self, lesson_id: str) -> None:
        """The learner fixed the lesson's bug hunt: that passes the lesson too."""
        self._entry(lesson_id)["bughunt"] = PASSED
        self.mark_passed(lesson_id)

    def run_ended(self, lesson_id: str, run_id: str, claim_passed: bool) -> None:
        """A run of the lesson ended (lab or CLI alike): remember it, pass the lesson if the claim held."""
        self.record_run(lesson_id, run_id)
        if claim_passed:
            self.mark_passed(lesson_id)

    def record_run(self, lesson_id: str, run_id: str) -> None:
        """Remember the latest run of a lesson (the lab overlays it next time)."""
        entry = self._entry(lesson_id)
        entry["last_run"] = run_id
        entry["runs"] = int(entry.get("runs", 0)) + 1

    def record_guess(self, lesson_id: str, prediction_id: str, guess: float) -> None:
        """Keep a guess made before the run (the lab stores it as soon as it is typed)."""
        entry = self._entry(lesson_id).setdefault("predictions", {})
        entry[prediction_id] = {"guess": guess, "at": time.time()}

    def record_predictions(self, lesson_id: str, rows: list[dict[str, Any]]) -> None:
        """Keep each guessed prediction with what the run measured (rows of the JSON end line)."""
        for row in rows:
            if row.get("guess") is None:
                continue
            entry = self._entry(lesson_id).setdefault("predictions", {})
            entry[str(row["id"])] = {
                **{k: row.get(k) for k in ("guess", "value", "error", "close")},
                "at": time.time(),
            }

    def guesses(self, lesson_id: str) -> dict[str, dict[str, Any]]:
        """The kept guesses of a lesson, by prediction id (with the result once run)."""
        raw = self.lessons.get(lesson_id, {}).get("predictions", {})
        return (
            {k: v for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}
        )

    def hints_shown(self, lesson_id: str) -> int:
        """How many hints the learner has opened."""
        return int(self.lessons.get(lesson_id, {}).get("hints_shown", 0))

    def show_hint(self, lesson_id: str) -> int:
        """Reveal one more hint; returns how many are shown now."""
        entry = self._entry(lesson_id)
        entry["hints_shown"] = int(entry.get("hints_shown", 0)) + 1
        return int(entry["hints_shown"])

    def reset(self, lesson_id: str | None = None) -> None:
        """Forget one lesson, or everything."""
        if lesson_id is None:
            self.lessons.clear()
            self.current = None
        else:
            self.lessons.pop(lesson_id, None)
            if self.current == lesson_id:
                self.current = None

    def continue_with(self, order: list[str]) -> str | None:
        """Where to continue: the current lesson if not passed, else the first not passed."""
        if self.current in order and self.status(self.current) != PASSED:
            return self.current
        for lesson_id in order:
            if self.status(lesson_id) != PASSED:
                return lesson_id
        return order[-1] if order else None
