"""`dllab.compare` for the runs panel: what a run changed from the defaults, values at a step."""

from __future__ import annotations

import math
import os
from pathlib import Path

from dllab.compare import from_defaults, labels, load_history, steps_of, value_at
from dllab.curriculum.loader import load_course
from dllab.engine.config import apply_settings, default_config
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.engine.records import list_runs
from dllab.engine.run import Run

COURSE = Path(__file__).parent / "tui" / "course"


def test_a_run_is_named_by_what_it_changed_from_the_defaults() -> None:
    lesson = load_course(COURSE).lesson("decay")
    for settings, seed in ((["rate=0.2"], 0), (["slow.rate=0.3", "delay=0.02"], 1), ([], 0)):
        config = apply_settings(lesson, default_config(lesson), settings)
        config.seed = seed
        config.steps = 5
        assert Run(lesson, config, []).start().wait(30) is not None
    records = list_runs("decay")
    changed = sorted((tuple(from_defaults(r, lesson).items()) for r in records), key=str)
    # delay=0.02 is the default: not named; seed has its own column; steps always differ here
    assert changed == sorted(
        [(("rate", 0.2), ("steps", 5)), (("slow.rate", 0.3), ("steps", 5)), (("steps", 5),)],
        key=str,
    )
    # an arm's knob a run did not set is named by the value that arm ran with, not None
    assert set(labels(records)) == {
        "rate=0.2 seed=0 slow.rate=0.2",
        "rate=0.01 seed=1 slow.rate=0.3",
        "rate=0.01 seed=0 slow.rate=0.01",
    }, "steps are the same in every run: not named"
    history = load_history(records[0])
    assert history.last_step("fast") == 4


def test_values_are_read_at_a_step_across_series_logged_at_other_steps() -> None:
    """Every step for one, every 5th for the other: the cursor reads the last value at or before."""
    dense, sparse = RunHistory(), RunHistory()
    dense.add([MetricPoint("a", "x", s, "loss", 1.0 / (s + 1)) for s in range(20)])
    sparse.add([MetricPoint("b", "x", s, "loss", float(s)) for s in range(0, 20, 5)])
    sparse.add([MetricPoint("b", "x", 20, "loss", math.nan)])
    assert steps_of([sparse], ["x"], "loss") == [0, 5, 10, 15, 20]
    assert steps_of([dense, sparse], ["x"], "loss") == list(range(21))
    assert value_at(dense, "x", "loss", 7) == 1 / 8
    assert value_at(sparse, "x", "loss", 7) == 5.0
    assert value_at(sparse, "x", "loss", 20) is None, "not finite"
    assert value_at(sparse, "x", "loss", -1) is None, "before the first point"
    assert value_at(sparse, "y", "loss", 3) is None, "no such arm"


def test_runs_started_in_the_same_second_are_listed_newest_first() -> None:
    """`created` has whole seconds; the panel's 'newest first' must hold within one."""
    import json

    from dllab.paths import runs_dir

    lesson = load_course(COURSE).lesson("decay")
    for rate in (0.1, 0.2, 0.3):
        config = apply_settings(lesson, default_config(lesson), [f"rate={rate}", "delay=0"])
        config.steps = 2
        assert Run(lesson, config, []).start().wait(30) is not None
    # the same second for all three, and the folder order (what a sort on `created`
    # alone keeps) the oldest first
    folders = [f for f in runs_dir().iterdir() if f.is_dir()]
    for i, folder in enumerate(folders):
        path = folder / "config.json"
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["created"] = "2026-12-02T09:00:00+00:00"
        path.write_text(json.dumps(meta), encoding="utf-8")
        os.utime(path, ns=(10**9 * (100 + i), 10**9 * (100 + i)))
    assert [r.dir.name for r in list_runs("decay")] == [f.name for f in reversed(folders)]
