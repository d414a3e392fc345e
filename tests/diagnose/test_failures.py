"""Scripts that cannot be diagnosed normally still give a clear report and exit code, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dllab import exit_codes
from dllab.diagnose.api import diagnose_file

CORPUS = Path(__file__).parent / "corpus"
FAILURES = CORPUS / "failures"
PROJECT = CORPUS / "project"


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_NUM_THREADS", "1")
        yield


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `dllab diagnose` command line."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dllab", "diagnose", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def test_missing_file() -> None:
    report = diagnose_file(FAILURES / "does_not_exist.py")
    assert report.status == "missing-file"
    assert "no such file" in report.detail
    assert report.exit_code() == exit_codes.USAGE


def test_syntax_error_names_the_line_via_cli() -> None:
    proc = cli(str(FAILURES / "syntax_error.py"), "--json")
    assert proc.returncode == exit_codes.USAGE
    doc = json.loads(proc.stdout)
    assert doc["status"] == "syntax-error"
    assert doc["findings"] == []
    assert "Traceback" not in proc.stderr
    report = diagnose_file(FAILURES / "syntax_error.py")
    assert "syntax_error.py:3" in report.detail


def test_raising_script_reports_error_and_line() -> None:
    report = diagnose_file(FAILURES / "raises.py", time_limit=60)
    assert report.status == "script-error"
    assert report.detail.startswith("RuntimeError")
    assert report.error_location[1] == 10
    assert report.steps_observed == 3
    assert report.exit_code() == exit_codes.USAGE
    reason = report.as_json()["reason"]  # --json keeps why the run was not diagnosed
    assert reason["detail"].startswith("RuntimeError") and reason["location"]["line"] == 10
    assert "RuntimeError" in reason["log_tail"]


@pytest.mark.slow
def test_sys_exit_is_reported() -> None:
    report = diagnose_file(FAILURES / "exits.py")
    assert report.status == "exit"
    assert "sys.exit(3)" in report.detail
    assert "giving up early" in report.log_tail
    assert report.exit_code() == exit_codes.USAGE


@pytest.mark.slow
def test_hang_after_training_stops_at_time_limit_with_a_report() -> None:
    # The limit leaves room for importing torch and taking 3 steps on a loaded 2-core machine
    # (at load 10 building the optimizer alone took 6 s): the test is about what happens at it.
    report = diagnose_file(FAILURES / "hangs.py", time_limit=25)
    assert report.status == "time-limit"
    assert report.steps_observed == 3
    assert report.diagnosed
    assert report.exit_code() == exit_codes.OK


@pytest.mark.slow
def test_hang_before_any_step_cannot_be_diagnosed() -> None:
    report = diagnose_file(FAILURES / "hangs_before_training.py", time_limit=2)
    assert report.status == "time-limit"
    assert report.steps_observed == 0
    assert report.exit_code() == exit_codes.USAGE


@pytest.mark.slow
def test_segfault_is_a_crash_report() -> None:
    report = diagnose_file(FAILURES / "segfault.py")
    assert report.status == "crashed"
    assert "SIGSEGV" in report.detail
    assert report.steps_observed == 2  # flushed before the crash
    assert report.exit_code() == exit_codes.USAGE


@pytest.mark.slow
def test_nan_is_a_finding_and_exit_1_via_cli() -> None:
    proc = cli(str(CORPUS / "buggy" / "nan_log.py"), "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == exit_codes.FAILED, proc.stderr
    assert [f["check"] for f in doc["findings"]] == ["non-finite"]
    finding = doc["findings"][0]
    assert set(finding) == {"check", "severity", "message", "evidence", "location", "fix", "lesson"}
    assert finding["location"]["line"] == 13  # the backward() of the infinite loss


@pytest.mark.slow
def test_json_stdout_is_clean_when_the_script_writes_to_fds_1_and_2() -> None:
    proc = cli(str(FAILURES / "noisy.py"), "--json", "--fail-on", "info")
    assert proc.returncode == exit_codes.OK, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)  # exactly one JSON document, nothing else
    assert set(doc) == {"diagnosed", "findings", "script", "steps_observed", "status"}
    assert doc["status"] == "completed" and doc["steps_observed"] == 3
    assert "hello" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_max_steps_stops_a_loop_that_swallows_exceptions() -> None:
    report = diagnose_file(FAILURES / "catches_everything.py", max_steps=5)
    assert report.status == "max-steps"
    assert report.steps_observed == 5
    assert report.exit_code() == exit_codes.OK


@pytest.mark.slow
def test_argv_sibling_imports_and_cwd() -> None:
    """`-- --epochs 3` reaches the script; its folder is importable; cwd is the caller's."""
    proc = cli("train.py", "--json", "--", "--epochs", "3", cwd=PROJECT)
    doc = json.loads(proc.stdout)
    assert doc["status"] == "completed", proc.stdout
    assert doc["steps_observed"] == 12
    assert doc["findings"] == []
    assert proc.returncode == 0


@pytest.mark.slow
def test_model_only_mode_does_not_run_the_main_block() -> None:
    report = diagnose_file(
        PROJECT / "model_only.py", model="Net()", input_shape=(1, 28, 28), classes=10, max_steps=20
    )
    assert report.status == "completed", report.detail
    assert report.steps_observed == 20
    assert report.at_or_above("warning") == []
    assert list(report.grad_norms) == ["conv", "fc"]


@pytest.mark.slow
def test_model_only_mode_finds_a_softmax_head() -> None:
    report = diagnose_file(
        PROJECT / "model_only.py",
        model="Net(softmax_head=True)",
        input_shape=(1, 28, 28),
        classes=10,
        max_steps=5,
    )
    assert report.has("double-softmax")
    finding = next(f for f in report.findings if f.check == "double-softmax")
    assert finding.location.line == 15  # the softmax in forward()


@pytest.mark.slow
def test_model_only_mode_rejects_a_wrong_class_count() -> None:
    report = diagnose_file(
        PROJECT / "model_only.py", model="Net()", input_shape=(1, 28, 28), classes=3, max_steps=5
    )
    assert report.status == "script-error"
    assert "expected (batch, 3)" in report.detail


def test_api_does_not_import_torch() -> None:
    code = "import sys, dllab.diagnose.api, dllab.commands.diagnose; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
