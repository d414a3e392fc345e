"""The parent starts the child first: the checks load while the child imports torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dllab.diagnose import api, runner

SCRIPT = """\
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
for _ in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
"""


def test_the_command_does_not_import_the_checks_before_the_child_starts() -> None:
    code = "import sys, dllab.commands.diagnose; print('dllab.diagnose.rules' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


def test_the_checks_load_once_the_child_is_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT, encoding="utf-8")
    events: list[str] = []
    real_popen, real_wait, real_load = subprocess.Popen, runner._wait, api.load_rules

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        events.append("spawn")
        return real_popen(*args, **kwargs)

    def wait(*args: Any, **kwargs: Any) -> tuple[bool, bool]:
        events.append("wait")
        return real_wait(*args, **kwargs)

    def load() -> None:
        events.append("load")
        real_load()

    monkeypatch.setattr(runner.subprocess, "Popen", popen)
    monkeypatch.setattr(runner, "_wait", wait)
    monkeypatch.setattr(api, "load_rules", load)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    report = api.diagnose_file(script)
    assert events == ["spawn", "wait", "load"]  # loaded inside the wait, under its Ctrl-C handling
    assert report.status == "completed" and report.steps_observed == 5


def test_a_failing_import_of_the_checks_is_left_to_the_report() -> None:
    """`load_rules` never raises: an import error surfaces where the report is built."""
    saved = sys.modules.get("dllab.diagnose.rules")
    sys.modules["dllab.diagnose.rules"] = None  # type: ignore[assignment]  # import fails
    try:
        api.load_rules()
    finally:
        if saved is not None:
            sys.modules["dllab.diagnose.rules"] = saved
        else:
            del sys.modules["dllab.diagnose.rules"]


def test_ctrl_c_while_the_checks_load_stops_the_script_and_reports(tmp_path: Path) -> None:
    """A Ctrl-C in the first tenth of a second is handled as any other: the child is told,
    and the run ends as `interrupted` with a report, not a traceback."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT, encoding="utf-8")

    def interrupted() -> None:
        raise KeyboardInterrupt

    result = runner.run_child(
        runner.ChildConfig(script=str(script), device="cpu"),
        while_starting=interrupted,
    )
    assert result.interrupted and not result.killed
