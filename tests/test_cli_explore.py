"""The CLI alone is enough to explore (issue 13, item 8): knobs shown, runs found, replays exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).parent / "tui" / "course"


def dllab(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DLLAB_LESSONS": str(COURSE), "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "dllab", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_lessons_show_lists_every_knob_with_type_range_and_default() -> None:
    out = dllab("lessons", "show", "decay", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rate = next(k for k in data["knobs"] if k["name"] == "rate")
    assert rate["type"] == "float" and rate["min"] == 0.001 and rate["max"] == 1.0
    assert rate["default"] == 0.01 and rate["log"] is True
    assert [a["name"] for a in data["arms"]] == ["fast", "slow"]
    text = dllab("lessons", "show", "decay")
    assert text.returncode == 0 and "float in [0.001, 1]" in text.stdout and "0.01" in text.stdout
    missing = dllab("lessons", "show", "nope")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


@pytest.mark.slow
def test_runs_fit_80_columns_latest_and_replay_equals_the_run_stream() -> None:
    run = dllab("run", "decay", "--json", "--steps", "5")
    assert run.returncode in (0, 1), run.stderr
    listing = dllab("runs")
    assert listing.returncode == 0, listing.stderr
    run_id = json.loads(run.stdout.splitlines()[0])["run"]
    assert run_id in listing.stdout, "the whole id on one line at 80 columns"
    assert all(len(line) <= 80 for line in listing.stdout.splitlines())
    replay = dllab("runs", "replay", "latest")
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout == run.stdout, "replay prints what run --json printed"
    shown = dllab("runs", "show", run_id[:-2])
    assert shown.returncode == 0 and run_id in shown.stdout


@pytest.mark.slow
def test_an_ambiguous_prefix_says_so_in_one_line() -> None:
    for _ in range(2):
        assert dllab("run", "decay", "--json", "--steps", "2").returncode in (0, 1)
    out = dllab("runs", "show", "decay-")
    assert out.returncode == 2 and "matches" in out.stderr and "Traceback" not in out.stderr
