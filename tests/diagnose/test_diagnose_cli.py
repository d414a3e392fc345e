"""`dllab diagnose` option handling (paths that need no child process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dllab.commands.diagnose import diagnose

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_model_needs_an_input_shape(runner: CliRunner) -> None:
    result = runner.invoke(
        diagnose, [str(CORPUS / "project" / "model_only.py"), "--model", "Net()"]
    )
    assert result.exit_code == 2
    assert "--input-shape" in result.output


@pytest.mark.parametrize("shape", ["1,a,28", "0,28", ","])
def test_bad_input_shape(runner: CliRunner, shape: str) -> None:
    result = runner.invoke(diagnose, ["m.py", "--model", "Net()", "--input-shape", shape])
    assert result.exit_code == 2
    assert "positive integers" in result.output or "comma-separated" in result.output


def test_syntax_error_json_and_exit_code(runner: CliRunner) -> None:
    result = runner.invoke(diagnose, [str(CORPUS / "failures" / "syntax_error.py"), "--json"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    reason = doc.pop("reason")
    assert doc == {
        "diagnosed": False,
        "findings": [],
        "script": str(CORPUS / "failures" / "syntax_error.py"),
        "steps_observed": 0,
        "status": "syntax-error",
    }
    assert reason["status_text"] == "the script has a syntax error"
    assert "syntax error" in reason["detail"] and "syntax_error.py:3" in reason["detail"]


def test_missing_file_report(runner: CliRunner) -> None:
    result = runner.invoke(diagnose, ["no/such/file.py"])
    assert result.exit_code == 2
    assert "missing-file" in result.output and "no such file" in result.output


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], (None, 1800.0)),
        (["--quick"], (300, 60.0)),
        (["--quick", "--max-steps", "50"], (50, 60.0)),
        (["--time-limit", "90"], (None, 90.0)),
    ],
)
def test_whole_run_by_default_and_quick_on_request(
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    expected: tuple[int | None, float],
) -> None:
    import dllab.commands.diagnose as command
    from dllab.diagnose.report import Report

    seen: dict[str, object] = {}

    def fake(script: str, **kwargs: object) -> Report:
        seen.update(kwargs)
        return Report(script=script, status="completed", steps_observed=1)

    monkeypatch.setattr(command, "diagnose_file", fake)
    result = runner.invoke(diagnose, ["train.py", "--json", *options])
    assert result.exit_code == 0, result.output
    assert (seen["max_steps"], seen["time_limit"]) == expected
    assert seen["on_progress"] is None  # --json: never a progress line
