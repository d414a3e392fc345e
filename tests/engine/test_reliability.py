"""A broken subscriber or a record that cannot be written never freezes or fails a run.

Each case runs in both modes: in-process (a thread) and a lab run (a child process
whose events a reader thread hands to the dispatcher). Every wait has a deadline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dllab.engine import Run, RunStatus, Subscriber
from dllab.engine.dispatch import Dispatcher
from dllab.engine.records import RecordWriter, load_run
from tests.engine.conftest import toy_config, toy_lesson
from tests.engine.test_run import Collect, curve

MODES = [pytest.param(False, id="thread"), pytest.param(True, id="child")]
MODES_QUICK_THREAD = [MODES[0], pytest.param(True, id="child", marks=pytest.mark.slow)]
"""The quick loop keeps one child-mode case (the raising subscriber); the rest run in full."""
DEADLINE_S = 60.0

pytestmark = pytest.mark.timeout(180)


class RaisesOnMetrics(Subscriber):
    """A subscriber with a bug: its second batch of points raises."""

    def __init__(self) -> None:
        self.batches = 0

    def on_metrics(self, points):  # type: ignore[no-untyped-def]
        self.batches += 1
        if self.batches == 2:
            raise RuntimeError("chart bug")


class Sabotage(Subscriber):
    """After the first batch of points, does `act(run)` once (the disk fills, the folder goes)."""

    def __init__(self, act) -> None:  # type: ignore[no-untyped-def]
        self.act = act
        self.run: Run | None = None

    def on_metrics(self, points):  # type: ignore[no-untyped-def]
        if self.run is not None:
            run, self.run = self.run, None
            self.act(run)


def _writer(run: Run) -> RecordWriter:
    return next(s for s in run.dispatcher.subscribers if isinstance(s, RecordWriter))


def _disk_full(run: Run) -> None:
    # /dev/full answers every write with ENOSPC: a real "no space left on device".
    _writer(run)._metrics = open("/dev/full", "w", buffering=1)  # noqa: SIM115


def _folder_gone(run: Run) -> None:
    # The record folder becomes a plain file: nothing more can be created in it.
    folder = Path(run.record_dir or "")
    folder.rename(folder.with_name(folder.name + ".moved"))
    folder.write_text("not a folder")


def _finish(run: Run) -> None:
    result = run.wait(DEADLINE_S)
    assert result is not None, "the run never ended"
    if run._proc is not None:
        assert run._proc.poll() is not None, "the child process is still running"


@pytest.mark.parametrize("isolate", MODES)
def test_a_raising_subscriber_is_dropped_and_the_run_goes_on(isolate: bool) -> None:
    collect, broken = Collect(), RaisesOnMetrics()
    run = Run(toy_lesson(), toy_config(), [broken, collect], isolate=isolate).start()
    _finish(run)
    result = run.result
    assert result is not None and result.status is RunStatus.COMPLETED, result
    assert "RaisesOnMetrics dropped after on_metrics raised RuntimeError: chart bug" in (
        result.message
    )
    assert broken.batches == 2  # never called again
    assert len(curve(collect.points, "fast")) == 50 and collect.events[-1] == "end:completed"
    record = load_run(run.run_id)
    assert record.status == "completed" and len(list(record.points())) == 2 * 50 * 2
    assert "RaisesOnMetrics dropped" in (record.dir / "run.log").read_text()
    assert "RaisesOnMetrics dropped" in record.result["message"]  # type: ignore[index]


@pytest.mark.parametrize("isolate", MODES_QUICK_THREAD)
def test_a_full_disk_under_the_record_drops_the_record_not_the_run(isolate: bool) -> None:
    collect, sabotage = Collect(), Sabotage(_disk_full)
    run = Run(toy_lesson(), toy_config(), [sabotage, collect], isolate=isolate)
    sabotage.run = run
    run.start()
    _finish(run)
    result = run.result
    assert result is not None and result.status is RunStatus.COMPLETED, result
    assert "RecordWriter dropped after on_metrics raised OSError" in result.message
    assert "No space left on device" in result.message
    assert len(curve(collect.points, "fast")) == 50 and collect.events[-1] == "end:completed"
    assert result.claim is not None and result.claim["passed"]  # judged on the full history
    record = load_run(run.run_id)
    assert record.status == "unfinished"  # no result.json: the record does not pretend
    assert "record incomplete: OSError" in (record.dir / "run.log").read_text()


@pytest.mark.parametrize("isolate", MODES_QUICK_THREAD)
def test_a_record_folder_that_goes_away_mid_run_still_ends_the_run(isolate: bool) -> None:
    collect, sabotage = Collect(), Sabotage(_folder_gone)
    run = Run(toy_lesson(), toy_config(), [sabotage, collect], isolate=isolate)
    sabotage.run = run
    run.start()
    try:
        _finish(run)
        result = run.result
        assert result is not None and result.status is RunStatus.COMPLETED, result
        assert "RecordWriter dropped after on_run_end raised" in result.message
        assert collect.events[-1] == "end:completed"
    finally:
        moved = Path(str(run.record_dir) + ".moved")
        shutil.rmtree(moved, ignore_errors=True)


def test_a_bug_in_the_pipe_reader_ends_a_lab_run_and_its_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever goes wrong while reading the child's events, the run ends and the child goes."""

    def broken(self: Dispatcher, points: object) -> None:
        raise KeyError("reader bug")

    monkeypatch.setattr(Dispatcher, "metrics", broken)
    collect = Collect()
    # Endless unless stopped: without the guard the child would outlive the test.
    run = Run(
        toy_lesson(), toy_config(["step_sleep=0.01"], steps=1_000_000), [collect], isolate=True
    ).start()
    _finish(run)
    result = run.result
    assert result is not None and result.status is RunStatus.FAILED
    assert "internal error: KeyError" in result.message
    assert set(result.arms.values()) == {"failed"}
    assert collect.events[-1] == "end:failed"
