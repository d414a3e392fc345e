"""Drive the real `dllab` binary in an 80x24 tmux pane: open → run → stop → quit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import COURSE

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


ROOT = Path(__file__).resolve().parents[2]


def _dllab() -> str:
    """This checkout's dllab (not whatever `dllab` an editable install points at)."""
    return f"{sys.executable} -m dllab"


def base_env(home: Path, **extra: str) -> dict[str, str]:
    """The pane's environment: a private data dir, this checkout first on the path."""
    return {
        "DLLAB_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PATH": os.environ.get("PATH", ""),
        **extra,
    }


class Pane:
    """One detached tmux session running a command, on a tmux server of its own.

    Each pane gets its own socket (`tmux -L NAME`), so a test can never see or kill a user's
    sessions or another test's; `kill` ends that whole server, and `__del__`/`kill` are safe to
    call twice.
    """

    def __init__(self, name: str, command: str, env: dict[str, str]) -> None:
        self.name = name
        self.socket = f"{name}-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self._tmux(
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "80",
            "-y",
            "24",
            f"env {exports} {command}",
            check=True,
        )

    def _tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run one tmux command on this pane's own server."""
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check
        )

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name).stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.name, *keys, check=True)

    def wait_for(self, check: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if check(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"screen never matched; last screen:\n{text}")
            time.sleep(0.1)

    def alive(self) -> bool:
        return self._tmux("has-session", "-t", self.name).returncode == 0

    def kill(self) -> None:
        """End this pane's tmux server (and so the command in it), whatever state it is in."""
        self._tmux("kill-server")


def test_a_pane_lives_on_its_own_server_and_is_gone_after_kill() -> None:
    """No test touches the default tmux server (a user's sessions), and kill leaves nothing."""
    pane = Pane(f"dllab-own-{os.getpid()}", "sleep 30", {"PATH": os.environ.get("PATH", "")})
    try:
        assert pane.alive()
        default = subprocess.run(["tmux", "ls"], capture_output=True, text=True).stdout
        assert pane.name not in default, "the pane is on the default server"
    finally:
        pane.kill()
    assert not pane.alive()
    listed = subprocess.run(["tmux", "-L", pane.socket, "ls"], capture_output=True, text=True)
    assert listed.returncode != 0, "its server still runs"


def test_open_run_stop_quit(tmp_path: Path) -> None:
    env = base_env(tmp_path, DLLAB_LESSONS=str(COURSE))
    pane = Pane(f"dllab-test-{os.getpid()}", _dllab(), env)
    try:
        home = pane.wait_for(lambda s: "Exponential decay" in s)
        assert "A. Basics" in home and "new" in home
        pane.keys("Enter")
        lesson = pane.wait_for(lambda s: "ready: press r to run" in s)
        assert "fast: loss ends below 0.1" in lesson
        # 400 steps per arm at 20 ms a step: long enough to stop by hand
        pane.keys("k")
        pane.wait_for(lambda s: "[float in" in s)
        pane.keys("400", "Escape")
        time.sleep(0.3)  # ESC then a letter at once reads as Alt+letter
        pane.keys("r")
        running = pane.wait_for(lambda s: " running" in s and "/400" in s)
        assert "CPU" in running
        pane.keys("s")
        stopped = pane.wait_for(lambda s: "run stopped" in s, 5)
        assert "✗" in stopped or "·" in stopped  # the claim did not get to hold
        pane.keys("q")
        pane.wait_for(lambda s: not pane.alive() or "dllab" not in s, 5)
        deadline = time.monotonic() + 5
        while pane.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not pane.alive(), "dllab quit and the pane closed"
        assert (tmp_path / "progress.json").exists()
    finally:
        pane.kill()


def test_bug_hunt_edit_in_editor_then_recheck(tmp_path: Path) -> None:
    """`e` suspends the lab for $EDITOR (here a sed that fixes the bug); the lab re-checks."""
    env = base_env(tmp_path, DLLAB_LESSONS=str(COURSE), EDITOR="'sed -i s/0.5/0.95/'")
    pane = Pane(f"dllab-hunt-{os.getpid()}", _dllab(), env)
    try:
        pane.wait_for(lambda s: "Exponential decay" in s)
        pane.keys("Enter")
        pane.wait_for(lambda s: "ready: press r to run" in s)
        pane.keys("e")
        fixed = pane.wait_for(lambda s: "Fixed!" in s, 30)
        assert "Bug hunt" in fixed
        assert "0.95" in (tmp_path / "workspace" / "decay" / "bughunt.py").read_text()
        pane.keys("q")
    finally:
        pane.kill()


def test_typing_a_filter_word_with_command_letters(tmp_path: Path) -> None:
    """On the real course at 80x24: '/' then 'dead' filters (d is Diagnose, l the language)."""
    env = base_env(tmp_path, DLLAB_LESSONS=str(ROOT / "lessons"))  # a tmux server may hold another
    pane = Pane(f"dllab-filter-{os.getpid()}", _dllab(), env)
    try:
        pane.wait_for(lambda s: "A. Foundations" in s)
        time.sleep(0.5)  # keys typed within ~0.1 s of the first paint can be lost at start-up
        pane.keys("/")
        pane.keys("-l", "dead")
        shown = pane.wait_for(lambda s: "Dead ReLUs" in s and "Autograd" not in s.split("\n", 3)[3])
        assert "Diagnose" not in shown.splitlines()[0], "d typed into the filter"
        pane.keys("C-u")
        pane.keys("-l", "logits")
        shown = pane.wait_for(lambda s: "logits" in s and "Dead ReLUs" not in s)
        assert "CrossEntropyLoss wants logits" in shown
        assert "筛选" not in shown and "诊断" not in shown, "l typed into the filter"
        pane.keys("Escape")
        time.sleep(0.3)
        pane.keys("Down")
        time.sleep(0.3)
        pane.keys("Enter")
        lesson = pane.wait_for(lambda s: "ready: press r to run" in s, 20)
        assert "MLPs" in lesson or "activations" in lesson, lesson
        pane.keys("q")
    finally:
        pane.kill()


def test_a_filter_typed_in_one_burst(tmp_path: Path) -> None:
    """`/dead` in one send-keys (one read, as fast typing or a paste gives): every letter lands."""
    env = base_env(tmp_path, DLLAB_LESSONS=str(ROOT / "lessons"), NO_COLOR="1", TERM="linux")
    pane = Pane(f"dllab-burst-{os.getpid()}", _dllab(), env)
    try:
        pane.wait_for(lambda s: "A. Foundations" in s)
        time.sleep(0.5)  # keys typed within ~0.1 s of the first paint can be lost at start-up
        pane.keys("-l", "/dead")
        shown = pane.wait_for(lambda s: "Dead ReLUs" in s and "Autograd" not in s.split("\n", 3)[3])
        assert "dead" in shown.splitlines()[2], "the filter line shows the whole word"
        assert "Diagnose" not in shown.splitlines()[0], "d typed into the filter"
        pane.keys("q")
    finally:
        pane.kill()


def _devices_pane(tmp_path: Path, name: str) -> Pane:
    from .test_devices import devices_course

    course = devices_course(tmp_path / "c")
    return Pane(f"{name}-{os.getpid()}", _dllab(), base_env(tmp_path, DLLAB_LESSONS=str(course)))


def test_predict_then_run_at_80x24(tmp_path: Path) -> None:
    """g opens the Guess tab, Enter keeps the guess, r runs, the verdict shows."""
    (tmp_path / "c").mkdir()
    pane = _devices_pane(tmp_path, "dllab-predict")
    try:
        pane.wait_for(lambda s: "Exponential decay" in s)
        pane.keys("Enter")
        pane.wait_for(lambda s: "ready: press r to run" in s)
        pane.keys("g")
        asked = pane.wait_for(lambda s: "What is fast's last" in s)
        tabs = next(line for line in asked.splitlines() if "Knobs" in line)
        assert "Guess" in tabs, "the tab fits the 80-column tab bar"
        pane.keys("0.6", "Enter")
        pane.wait_for(lambda s: "Guess kept" in s)
        pane.keys("Enter")  # the second question left empty: out of the inputs
        time.sleep(0.3)
        pane.keys("r")
        done = pane.wait_for(lambda s: "measured 0.677" in s, 30)
        assert "0.052 decades off" in done
        pane.keys("q")
    finally:
        pane.kill()


def test_sweep_at_80x24(tmp_path: Path) -> None:
    """w runs the lesson's sweep point by point and draws the outcome against the knob."""
    (tmp_path / "c").mkdir()
    pane = _devices_pane(tmp_path, "dllab-sweep")
    try:
        pane.wait_for(lambda s: "Exponential decay" in s)
        pane.keys("Enter")
        pane.wait_for(lambda s: "ready: press r to run" in s)
        pane.keys("w")
        done = pane.wait_for(lambda s: "sweep done: 3 runs recorded" in s, 90)
        assert "Last loss against the rate" in done and "●" in done
        pane.keys("Escape")
        pane.wait_for(lambda s: "ready: press r to run" in s or "run" in s)
        pane.keys("q")
    finally:
        pane.kill()


def test_vanishing_gradients_delta_chart_at_80x24(tmp_path: Path) -> None:
    """The mechanism chart in the lab: lesson 7's per-layer δ = ∂L/∂z bars, reached with c."""
    env = base_env(tmp_path, DLLAB_LESSONS=str(ROOT / "lessons"))
    pane = Pane(f"dllab-delta-{os.getpid()}", _dllab(), env)
    title = "δ = ∂L/∂z per layer at step 0 (log10)"  # its tail is cut at 80 columns

    def chart_title(screen: str) -> bool:
        """The δ chart's title on the tab bar's row (not a sentence of the lesson text)."""
        return any("Knobs" in line and title in line for line in screen.splitlines())

    try:
        pane.wait_for(lambda s: "A. Foundations" in s)
        time.sleep(0.5)  # keys typed within ~0.1 s of the first paint can be lost at start-up
        pane.keys("/")
        pane.keys("-l", "vanishing")
        pane.wait_for(lambda s: "Vanishing gradients: sigmoid vs ReLU" in s)
        pane.keys("Escape")
        time.sleep(0.3)
        pane.keys("Enter")
        pane.wait_for(lambda s: "ready: press r to run" in s, 20)
        pane.keys("r")
        # the bars are drawn from step 0: the run need not finish
        pane.wait_for(lambda s: "L10" in s and "█" in s, 90)
        deadline = time.monotonic() + 30
        while not chart_title(pane.screen()):
            assert time.monotonic() < deadline, f"c never showed the δ chart:\n{pane.screen()}"
            pane.keys("c")
            time.sleep(0.5)
        shown = pane.wait_for(lambda s: chart_title(s) and "L10" in s.split(title, 1)[1], 10)
        below = shown.split(title, 1)[1]
        assert "layer" in below and "L1 " in below and "L10" in below, shown
        assert "█" in below and "┤" in below and "1e-" in below, "log10 bars with a y axis"
        pane.keys("q")
    finally:
        pane.kill()
