"""A running diagnosis shows progress, and Ctrl-C stops the script and reports what it saw."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dllab.diagnose.api import diagnose_file
from dllab.diagnose.runner import Progress

TRAIN = """
import time, torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(32, 4), torch.randn(32, 1)
def train(steps):
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()  # never zeroed: gradients pile up
        opt.step()
"""


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(TRAIN) + textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.slow
def test_progress_reports_steps_and_losses_while_the_script_runs(tmp_path: Path) -> None:
    # The child rewrites its observations after each of the first 3 steps, then once a second.
    path = script(tmp_path, "train(3)\ntime.sleep(2.0)\ntrain(7)\n")
    seen: list[Progress] = []
    report = diagnose_file(path, time_limit=60, device="cpu", on_progress=seen.append)
    assert report.status == "completed" and report.steps_observed == 10
    during = [p for p in seen if p.steps == 3]
    assert during, seen
    assert during[-1].train_loss is not None and during[-1].val_loss is None


@pytest.mark.slow
def test_ctrl_c_stops_the_script_and_reports_what_was_seen(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    path = script(
        tmp_path,
        f"train(30)\nopen({str(marker)!r}, 'w').close()\nwhile True:\n    train(1)\n    time.sleep(0.01)\n",
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dllab", "diagnose", str(path), "--json", "--time-limit", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 90
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert marker.exists(), "the script never reached its endless loop"
    time.sleep(1.5)  # let the child write observations past the marker
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    doc = json.loads(stdout)
    assert doc["status"] == "interrupted", stderr
    assert doc["diagnosed"] is True and doc["steps_observed"] >= 30
    assert "missing-zero-grad" in {f["check"] for f in doc["findings"]}
    assert proc.returncode == 1  # an error-level finding, as for a run that ended by itself
    assert "Aborted" not in stderr


@pytest.mark.slow
def test_no_progress_line_on_a_pipe(tmp_path: Path) -> None:
    path = script(tmp_path, "train(3)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dllab", "diagnose", str(path), "--no-charts"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert "diagnosing" not in proc.stderr and "Ctrl-C" not in proc.stdout + proc.stderr
    assert "missing-zero-grad" in proc.stdout


def test_progress_shows_a_validation_loss_the_script_only_prints() -> None:
    obs = {
        "steps": 40,
        "phases": [{"kind": "train", "mean": 0.3, "n": 40, "first_step": 0}],
        "printed_losses": [{"step": 20, "val": 0.9}, {"step": 40, "val": 0.8}],
    }
    progress = Progress.of(obs, 2.0)  # type: ignore[arg-type]
    assert (progress.steps, progress.train_loss, progress.val_loss) == (40, 0.3, 0.8)
