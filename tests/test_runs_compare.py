"""`dllab runs compare`: recorded runs of one lesson on the same axes, named by what differed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).parent / "tui" / "course"


def dllab(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DLLAB_LESSONS": str(COURSE), "COLUMNS": "80", "LINES": "24", **env}
    return subprocess.run(
        [sys.executable, "-m", "dllab", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def record(rate: str) -> str:
    out = dllab("run", "decay", "--json", "--steps", "20", "--set", f"rate={rate}")
    assert out.returncode in (0, 1), out.stderr
    return str(json.loads(out.stdout.splitlines()[0])["run"])


@pytest.mark.slow
def test_two_learning_rates_are_two_labelled_curves_per_arm() -> None:
    slow, fast = record("0.05"), record("0.3")
    out = dllab("runs", "compare", slow, fast, "--metric", "loss")
    assert out.returncode == 0, out.stderr
    legend = " ".join(out.stdout.split())
    for label in ("rate=0.05 fast", "rate=0.05 slow", "rate=0.3 fast", "rate=0.3 slow"):
        assert label in legend.replace("\u00a0", " "), legend
    assert "steps=" not in legend, "only what differed names a run"
    assert f"{slow}: rate=0.05" in out.stdout and f"{fast}: rate=0.3" in out.stdout


@pytest.mark.slow
def test_without_colour_each_run_has_its_own_marker() -> None:
    a, b = record("0.05"), record("0.3")
    out = dllab("runs", "compare", a, b, NO_COLOR="1", TERM="linux")
    assert out.returncode == 0, out.stderr
    plot = "\n".join(line for line in out.stdout.splitlines() if "│" in line)
    assert all(m in plot for m in "*+ox"), plot


def test_bad_input_is_one_line_and_exit_2() -> None:
    a = record("0.05")
    out = dllab("runs", "compare", a, "latest", "--metric", "nope")
    assert out.returncode == 2 and "no run recorded metric 'nope'" in out.stderr
    assert "Traceback" not in out.stderr
    missing = dllab("runs", "compare", "no-such-run")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
