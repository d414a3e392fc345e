"""The runs panel in the real `dllab` binary, in an 80x24 tmux pane, keyboard only."""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path

import pytest

from .conftest import COURSE
from .test_runs_panel import record
from .test_tmux import Pane, _dllab, base_env

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.mark.parametrize("plain", [False, True], ids=["colour", "no-colour-ascii"])
def test_choose_two_runs_and_move_the_cursor(
    dllab_home: Path, monkeypatch: pytest.MonkeyPatch, plain: bool
) -> None:
    """v opens the panel; space leaves the newest run out; [ moves the cursor; b pins."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        for minute, rate in enumerate((0.05, 0.2, 0.4)):
            record(rate, minute)
    finally:
        monkeypatch.undo()
        time.tzset()
    extra = {"NO_COLOR": "1", "TERM": "linux"} if plain else {}
    env = base_env(dllab_home, DLLAB_LESSONS=str(COURSE), **extra)
    pane = Pane(f"dllab-runs-{os.getpid()}-{int(plain)}", _dllab(), env)
    try:
        pane.wait_for(lambda s: "Exponential decay" in s)
        time.sleep(0.5)  # keys typed within ~0.1 s of the first paint can be lost at start-up
        pane.keys("Enter")
        lesson = pane.wait_for(lambda s: "ready: press r to run" in s)
        assert "v Runs" in lesson, "the key is in the footer at 80x24"
        pane.keys("v")
        shown = pane.wait_for(lambda s: "run (vs defaults)" in s and "at the end:" in s)
        assert "rate=0.4" in shown and "rate=0.2" in shown and "rate=0.05" in shown
        pane.keys("Space")  # the newest (rate=0.4) out: two runs on the chart
        two = pane.wait_for(lambda s: "[ ]" in s)
        legend = two.split("step\n", 1)[-1]
        assert "rate=0.2" in legend and "rate=0.05" in legend and "rate=0.4" not in legend, two
        if plain:
            plot = "\n".join(line for line in two.splitlines() if "┤" in line or "│" in line)
            # each run keeps its slot's marker: rate=0.4 had `*`, the two left `+` and `o`
            assert "+" in plot and "o" in plot and "*" not in plot, plot
            assert not any(0x2800 <= ord(ch) <= 0x28FF for ch in plot), "no braille"
        pane.keys("[", "[", "[")
        at = pane.wait_for(lambda s: "step 36:" in s)
        assert f"{math.exp(-0.2 * 36):.4g}" in at and f"{math.exp(-0.05 * 36):.4g}" in at, at
        pane.keys("Down", "b")
        based = pane.wait_for(lambda s: "baseline: rate=0.2" in s)
        assert "[B]" in based
        pane.keys("Escape")
        pane.wait_for(lambda s: "ready: press r to run" in s)
        pane.keys("q")
    finally:
        pane.kill()
