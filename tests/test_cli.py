"""The `dllab` command: JSON schema, plain output, errors as one line with exit 2, fast --help."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TOY = str(Path(__file__).parent / "engine" / "toy_course")


def dllab(
    *args: str, course: str | None = TOY, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if course:
        env["DLLAB_LESSONS"] = course
    return subprocess.run(
        [sys.executable, "-m", "dllab", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_help_is_fast_and_does_not_import_torch() -> None:
    code = "import sys; sys.argv=['dllab','--help']\nfrom dllab.cli import main\ntry:\n    main()\nexcept SystemExit: pass\nprint('torch' in sys.modules, 'textual' in sys.modules, 'visdom' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False False False")
    assert "diagnose" in out.stdout and "run" in out.stdout


def test_json_stream_schema() -> None:
    out = dllab("run", "toy", "--json", "--steps", "5", "--set", "noise=false")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    start, metrics, end = lines[0], lines[1:-1], lines[-1]
    assert (
        start["type"] == "start" and start["lesson"] == "toy" and start["arms"] == ["slow", "fast"]
    )
    assert start["device"] == "cpu" and start["config"]["knobs"]["noise"] is False
    assert {"run", "steps", "record_dir"} <= set(start)
    assert all(
        m["type"] == "metric" and set(m) == {"type", "arm", "step", "name", "value"}
        for m in metrics
    )
    assert len(metrics) == 2 * 5 * 2
    assert end["type"] == "end" and end["status"] == "completed"
    assert end["claim"]["passed"] is True and end["claim"]["details"][0]["values"]
    assert set(end["summary"]) == {"slow", "fast"} and "loss" in end["summary"]["fast"]
    assert isinstance(end["elapsed_s"], float)


@pytest.mark.slow
def test_json_nan_is_null_and_stdout_stays_json() -> None:
    out = dllab("run", "toy", "--json", "--steps", "6", "--set", "nan_at=3")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    nans = [
        m for m in lines if m["type"] == "metric" and m["name"] == "loss" and m["value"] is None
    ]
    assert nans and lines[-1]["arms"] == {"slow": "diverged", "fast": "diverged"}


@pytest.mark.slow
def test_failed_run_json_and_exit_code() -> None:
    out = dllab("run", "toy", "--json", "--set", "fail_at=2")
    end = json.loads(out.stdout.splitlines()[-1])
    assert out.returncode == 1
    assert (
        end["status"] == "failed"
        and "boom at step 2" in end["message"]
        and end["claim"]["passed"] is False
    )
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_plain_output_when_not_a_tty() -> None:
    out = dllab("run", "toy", "--steps", "20")
    assert out.returncode == 0
    assert "\r" not in out.stdout
    lines = out.stdout.splitlines()
    assert lines[0].startswith("toy: 2 arm(s)")
    assert "[slow] step 10/20 loss=" in out.stdout and "[fast] step 20/20" in out.stdout


@pytest.mark.slow
def test_check_exit_codes() -> None:
    assert dllab("check", "toy").returncode == 0
    # with equal learning rates the fast arm is not faster: the claim fails
    out = dllab("check", "toy", "--set", "fast.lr=0.01", "--set", "slow.lr=0.2")
    assert out.returncode == 1 and "✗" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "nope"), "no lesson 'nope'"),
        (("run", "toy", "--set", "depth=3"), "has no knob 'depth'"),
        (("run", "toy", "--set", "lr=99"), "out of range [0, 10]"),
        (("run", "toy", "--set", "lr=fast"), "takes a float"),
        (("run", "toy", "--set", "mode=z"), "is one of a, b"),
        (("run", "toy", "--set", "noise=maybe"), "true or false"),
        (("run", "toy", "--set", "zzz.lr=1"), "has no arm 'zzz'"),
        (("run", "toy", "--set", "lr"), "KNOB=VALUE"),
        (("run", "toy", "--device", "tpu"), "unknown device 'tpu'"),
        (("run", "toy", "--steps", "0"), "--steps must be at least 1"),
        (("run", "toy", "--seed", str(2**70)), "is out of range"),
        (("check", "toy", "--arm", "medium"), "has no arm 'medium'"),
        (("runs", "show", "does-not-exist"), "no recorded run"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    out = dllab(*args)
    assert out.returncode == 2, out
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_cuda_without_cuda_is_a_clear_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out = dllab("run", "toy", "--device", "cuda", "--json")
    assert out.returncode == 2
    assert "CUDA is not available" in out.stderr and "--device cpu" in out.stderr
    assert out.stdout == ""


def test_malformed_manifest_is_reported(tmp_path: Path) -> None:
    """A broken lessons.toml stops the course (one lesson's problem does not: see below)."""
    shutil.copytree(TOY, tmp_path / "c")
    (tmp_path / "c" / "lessons.toml").write_text("format_version = [")
    out = dllab("lessons", course=str(tmp_path / "c"))
    assert (
        out.returncode == 2
        and "lessons.toml: invalid TOML" in out.stderr
        and "Traceback" not in out.stderr
    )
    out = dllab("lessons", "check", course=str(tmp_path / "c"))
    assert out.returncode == 1 and out.stderr.count("invalid TOML") == 1


@pytest.mark.slow
def test_lessons_json_and_progress_after_a_passing_check(dllab_home: Path) -> None:
    assert dllab("check", "toy").returncode == 0
    data = json.loads(dllab("lessons", "--json").stdout)
    assert data["lessons"][0]["id"] == "toy" and data["lessons"][0]["status"] == "passed"
    assert data["lessons"][0]["arms"] == ["slow", "fast"]


@pytest.mark.slow
def test_runs_list_show_replay(dllab_home: Path) -> None:
    assert dllab("run", "toy", "--steps", "3", "--json").returncode == 0
    listing = dllab("runs")
    assert "toy-" in listing.stdout and "completed" in listing.stdout
    shown = dllab("runs", "show", "last")
    assert '"status": "completed"' in shown.stdout
    # replay prints the `run --json` stream: start, the metric points, end
    replay = [json.loads(line) for line in dllab("runs", "replay", "last").stdout.splitlines()]
    assert replay[0]["type"] == "start" and replay[-1]["type"] == "end"
    metrics = [line for line in replay if line["type"] == "metric"]
    assert len(metrics) == 2 * 3 * 2


def test_corrupt_progress_is_moved_aside(dllab_home: Path) -> None:
    (dllab_home / "progress.json").write_text("{not json")
    out = dllab("lessons")
    assert out.returncode == 0
    assert "could not be read" in out.stderr
    assert list(dllab_home.glob("progress.json.corrupt-*"))


@pytest.mark.slow
def test_check_bughunt_verifies_a_fix(dllab_home: Path) -> None:
    """The broken script fails with reasons, the reference fix passes; both through the real CLI."""
    folder = Path(__file__).parent.parent / "lessons" / "05_logits_not_probabilities"
    broken = dllab(
        "check",
        "logits-not-probabilities",
        "--bughunt",
        "--json",
        "--file",
        str(folder / "bughunt.py"),
        course=None,
        timeout=300,
    )
    verdict = json.loads(broken.stdout)
    assert broken.returncode == 1 and verdict["passed"] is False
    assert any("double-softmax" in p for p in verdict["problems"])
    fixed = dllab(
        "check",
        "logits-not-probabilities",
        "--bughunt",
        "--file",
        str(folder / "solution.py"),
        course=None,
        timeout=300,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Fixed!" in fixed.stdout
    assert (
        json.loads((dllab_home / "progress.json").read_text())["lessons"][
            "logits-not-probabilities"
        ]["bughunt"]
        == "passed"
    )


@pytest.fixture
def broken_course(tmp_path: Path) -> Path:
    """The toy course plus a healthy copy 'other'; 'toy' itself has invalid TOML."""
    from tests.engine.test_lesson_format import add_second_lesson, edit

    root = tmp_path / "course"
    shutil.copytree(TOY, root, ignore=shutil.ignore_patterns("__pycache__"))
    add_second_lesson(root)
    edit(root / "01_toy" / "lesson.toml", "steps = 50", "steps = = 50")
    return root


def test_a_broken_lesson_is_listed_and_the_others_run(broken_course: Path) -> None:
    course = str(broken_course)
    listed = dllab("lessons", course=course)
    assert listed.returncode == 0, listed.stderr
    assert "broken" in listed.stdout and "other" in listed.stdout
    assert "1 lesson(s) are broken" in listed.stderr
    rows = json.loads(dllab("lessons", "--json", course=course).stdout)
    assert [r["id"] for r in rows["lessons"]] == ["other"]
    (broken,) = rows["broken"]
    assert broken["id"] == "toy" and broken["file"].endswith("01_toy/lesson.toml")
    assert broken["problem"].startswith("invalid TOML")
    ran = dllab("run", "other", "--json", "--steps", "3", course=course)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[-1])["status"] == "completed"


def test_running_the_broken_lesson_is_one_line_and_exit_2(broken_course: Path) -> None:
    out = dllab("run", "toy", "--steps", "3", course=str(broken_course))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "01_toy/lesson.toml: lesson 'toy' is broken: invalid TOML" in out.stderr


def test_lessons_check_reports_each_problem_once(broken_course: Path) -> None:
    out = dllab("lessons", "check", course=str(broken_course))
    assert out.returncode == 1
    assert out.stderr.count("invalid TOML") == 1, out.stderr
    assert "1 lesson(s) valid, 1 problem(s)." in out.stdout
