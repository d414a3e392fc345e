"""The Diagnose screen on a real child: `s` stops a long script and reports what it saw;
quitting the lab mid-run leaves no child process behind.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from dllab.tui.app import LabApp
from dllab.tui.screens.diagnose import DiagnoseScreen

from .conftest import wait_until

Lab = Callable[..., LabApp]

LONG_SCRIPT = """\
import time

import torch

model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(64, 4), torch.randn(64, 1)
for step in range(100_000):
    loss = torch.nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    time.sleep(0.01)
"""


def diagnose_children() -> list[int]:
    """Pids of this process's live `dllab.diagnose.child` processes."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if ppid == os.getpid() and b"dllab.diagnose.child" in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def wait_for_no_children(timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while diagnose_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert diagnose_children() == []


@pytest.fixture
def long_script(tmp_path: Path) -> Path:
    path = tmp_path / "train_forever.py"
    path.write_text(LONG_SCRIPT, encoding="utf-8")
    return path


async def start(pilot: object, path: Path) -> DiagnoseScreen:
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.press("d")  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, DiagnoseScreen)
    screen.query_one("#path").value = str(path)
    screen.query_one("#path").focus()
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: screen.progress is not None and screen.progress.steps > 5, 60)  # type: ignore[arg-type]
    return screen


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.slow
async def test_s_stops_a_real_script_and_reports_the_steps_it_ran(
    lab: Lab, long_script: Path
) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, long_script)
        assert diagnose_children(), "the script runs in a child"
        status = str(screen.query_one("#diag-status", Static).render())
        assert "steps" in status and "train loss" in status, status
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.report is not None, 20)
        report = screen.report
        assert report is not None and report.status == "interrupted", report
        assert report.diagnosed and report.steps_observed > 5
        assert "stopped with s" in str(screen.query_one("#diag-status", Static).render())
        wait_for_no_children()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.slow
async def test_quitting_the_lab_mid_diagnosis_leaves_no_child(lab: Lab, long_script: Path) -> None:
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, long_script)
        assert diagnose_children()
        await pilot.press("ctrl+c")
    wait_for_no_children()


STUBBORN_SCRIPT = """\
import time

import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(64, 4), torch.randn(64, 1)
step = 0
while step < 100_000:
    try:
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        time.sleep(0.01)
        step += 1
    except KeyboardInterrupt:
        print("Ctrl-C ignored")
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.slow
@pytest.mark.parametrize("leave", ["escape", "ctrl+c"])
async def test_leaving_after_s_ends_a_script_that_ignores_ctrl_c(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leave: str
) -> None:
    # After `s` the runner gives the script a grace to stop and report; a script that
    # catches KeyboardInterrupt trains on through it. Leaving the screen (or quitting) must
    # end the child then, not when the grace is over: made longer than this test's wait, the
    # child would outlive it
    import dllab.diagnose.runner as runner

    monkeypatch.setattr(runner, "INTERRUPT_GRACE_SECONDS", 600.0)
    script = tmp_path / "stubborn.py"
    script.write_text(STUBBORN_SCRIPT, encoding="utf-8")
    app = lab()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, script)
        await pilot.press("s")
        assert "Stopping" in str(screen.query_one("#diag-status", Static).render())
        await pilot.pause(1.0)  # the child got SIGINT and trains on
        assert diagnose_children() and screen.report is None
        await pilot.press(leave)
        if leave == "escape":
            await wait_until(pilot, lambda: not isinstance(app.screen, DiagnoseScreen), 10)
            wait_for_no_children(30)
    wait_for_no_children(30)
