"""Progress survives crashes and corruption; resets work."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from dllab.progress import PASSED, STARTED, Progress


def test_round_trip_and_continue(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    p = Progress.load(path)
    p.mark_started("a")
    p.mark_passed("a")
    p.mark_started("b")
    p.show_hint("b")
    p.save()
    q = Progress.load(path)
    assert q.status("a") == PASSED and q.status("b") == STARTED and q.status("c") == "new"
    assert q.hints_shown("b") == 1
    assert q.continue_with(["a", "b", "c"]) == "b"
    q.reset("b")
    assert q.continue_with(["a", "b", "c"]) == "b" and q.status("b") == "new"
    q.reset()
    assert q.lessons == {}


def test_corrupt_file_is_moved_aside_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    for bad in ("{truncated", '["a list"]', '{"lessons": 3}', "\xff\xfe"):
        path.write_text(bad, encoding="latin-1")
        p = Progress.load(path)
        assert p.lessons == {} and "could not be read" in p.notice
        assert not path.exists()
    assert len(list(tmp_path.glob("progress.json.corrupt-*"))) >= 1


def test_save_is_atomic(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A crash while writing leaves the previous file intact and no temp file behind."""
    path = tmp_path / "progress.json"
    p = Progress.load(path)
    p.mark_passed("a")
    p.save()
    import dllab.fsutil as fsutil

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(fsutil.os, "replace", explode)
    p.mark_passed("b")
    with contextlib.suppress(OSError):
        p.save()
    assert json.loads(path.read_text())["lessons"].keys() == {"a"}
    assert [f.name for f in tmp_path.iterdir()] == ["progress.json"]


def test_a_fixed_bug_hunt_passes_the_lesson(tmp_path: Path) -> None:
    """The lab and `dllab check --bughunt` share this one update."""
    p = Progress.load(tmp_path / "progress.json")
    p.hunt_passed("a")
    assert p.lessons["a"]["bughunt"] == PASSED and p.status("a") == PASSED


def test_a_run_passes_the_lesson_only_when_its_claim_held(tmp_path: Path) -> None:
    p = Progress.load(tmp_path / "progress.json")
    p.mark_started("a")
    p.run_ended("a", "run-1", claim_passed=False)
    assert p.status("a") == STARTED and p.lessons["a"]["last_run"] == "run-1"
    p.run_ended("a", "run-2", claim_passed=True)
    assert p.status("a") == PASSED and p.lessons["a"]["runs"] == 2
