"""`dllab run ... | head -1`: a reader that goes away ends the command quietly, the record whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TOY = Path(__file__).parent / "engine" / "toy_course"
DEADLINE_S = 120


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_a_closed_stdout_ends_the_run_quietly_and_keeps_the_record(
    as_json: bool, dllab_home: Path
) -> None:
    # Endless unless stopped: the command must notice that nobody reads it any more.
    args = ["run", "toy", "--set", "step_sleep=0.01", "--steps", "1000000", "--device", "cpu"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dllab", *args, *(["--json"] if as_json else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DLLAB_LESSONS": str(TOY)},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # what `head -1` reads
    proc.stdout.close()
    try:
        _, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        proc.kill()
    assert first, err
    if as_json:
        assert json.loads(first)["type"] == "start"
    assert proc.returncode in (0, 141), err
    stderr = err.decode()
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    (record,) = (dllab_home / "runs").iterdir()
    result = json.loads((record / "result.json").read_text())
    assert result["status"] == "stopped"
    assert "dropped after on_metrics raised BrokenPipeError" in result["message"]
    assert json.loads((record / "config.json").read_text())["lesson"] == "toy"
    lines = (record / "metrics.jsonl").read_text().splitlines()
    assert lines and all(json.loads(line)["name"] in ("loss", "w") for line in lines)
    assert (record / "run.log").read_text().rstrip().endswith("ended: stopped " + result["message"])
