"""Running a bug hunt: a short broken training script the learner fixes in place.

The hunt itself is lesson data (`BugHunt` in `curriculum/model.py`); checking a
fix runs the script and `dllab diagnose`, so it lives outside the course package.

The learner's copy lives in the data dir (`workspace/<lesson>/<file>`), made
from the lesson's `bughunt.py` the first time. A fix is verified two ways:

1. the script runs to the end and its last `RESULT {json}` line satisfies the
   lesson's `expect` check (a claim expression over arm `script`, e.g.
   `script.val_acc > 0.9`);
2. `dllab diagnose` no longer reports any of the `absent` check ids.

The reference `solution.py` is revealed only once the hunt is passed.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dllab.curriculum.claims import Check
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.paths import data_dir

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

RESULT_PREFIX = "RESULT "
"""A bug-hunt script prints `RESULT {"val_acc": 0.93}` as its result line."""

TIME_LIMIT_S = 120.0


@dataclass
class HuntResult:
    """The verdict on the learner's script."""

    passed: bool
    problems: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    """diagnose check ids still reported."""


def workspace_file(lesson: Lesson) -> Path:
    """The learner's copy of the broken script (created on first use)."""
    assert lesson.bughunt is not None, f"{lesson.id} has no bug hunt"
    target = data_dir() / "workspace" / lesson.id / lesson.bughunt.file
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lesson.dir / lesson.bughunt.file, target)
    return target


def solution_path(lesson: Lesson) -> Path:
    """The reference solution (show it only after the hunt is passed)."""
    assert lesson.bughunt is not None
    return lesson.dir / lesson.bughunt.solution


def run_script(path: Path, time_limit: float = TIME_LIMIT_S) -> tuple[dict[str, float], str]:
    """Run a bug-hunt script; return its RESULT metrics and an error ('' if fine)."""
    path = path.resolve()
    try:
        proc = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=time_limit,
            cwd=path.parent,
        )
    except subprocess.TimeoutExpired:
        return {}, f"the script did not finish within {time_limit:.0f} s"
    result: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            try:
                data = json.loads(line[len(RESULT_PREFIX) :])
                result = {k: float(v) for k, v in data.items() if isinstance(v, (int, float))}
            except (json.JSONDecodeError, TypeError, ValueError):
                return {}, f"unreadable result line: {line[:120]}"
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return result, f"the script failed (exit code {proc.returncode}): {tail}"
    if not result:
        return result, "the script printed no RESULT line"
    return result, ""


def _expect(lesson: Lesson, metrics: dict[str, float]) -> tuple[bool, str]:
    assert lesson.bughunt is not None
    if not lesson.bughunt.expect:
        return True, ""
    history = RunHistory()
    history.add(MetricPoint("bughunt", "script", 0, k, v) for k, v in metrics.items())
    verdict = Check(lesson.bughunt.expect, arms=["script"]).evaluate(history)
    if verdict.passed:
        return True, ""
    values = ", ".join(f"{k} = {v:.4g}" for k, v in verdict.values.items() if math.isfinite(v))
    return False, f"expected {lesson.bughunt.expect}" + (f" (got {values})" if values else "") + (
        f" [{verdict.error}]" if verdict.error else ""
    )


def _diagnose_ids(path: Path) -> list[str]:
    from dllab.diagnose.api import diagnose_file  # imported when used: it is the slow part

    report = diagnose_file(path, time_limit=TIME_LIMIT_S)
    return sorted({f.check for f in report.findings})


def check_hunt(lesson: Lesson, path: Path | None = None, use_diagnose: bool = True) -> HuntResult:
    """Verify the learner's fix (or any given script)."""
    assert lesson.bughunt is not None
    path = path or workspace_file(lesson)
    metrics, error = run_script(path)
    problems = [error] if error else []
    if not error:
        ok, why = _expect(lesson, metrics)
        if not ok:
            problems.append(why)
    findings: list[str] = []
    if use_diagnose and lesson.bughunt.absent:
        findings = [f for f in _diagnose_ids(path) if f in lesson.bughunt.absent]
        problems.extend(f"dllab diagnose still reports {f}" for f in findings)
    return HuntResult(not problems, problems, metrics, findings)


def verify_hunt(lesson: Lesson, run_scripts: bool = True) -> list[str]:
    """What is wrong with a lesson's bug hunt itself, as rustlings' own check does ([] if fine).

    Every `absent` id must be a real diagnose check; with `run_scripts`, the shipped
    broken script must miss its `expect` and the reference solution must meet it.
    """
    from dllab.diagnose.rules import CHECKS  # imported when used: it pulls in the rules

    assert lesson.bughunt is not None
    where = f"{lesson.dir / 'lesson.toml'} [bughunt]"
    problems = [
        f"{where}: absent names {check!r}, which is not a diagnose check"
        for check in lesson.bughunt.absent
        if check not in CHECKS
    ]
    if not run_scripts:
        return problems
    broken = check_hunt(lesson, lesson.dir / lesson.bughunt.file, use_diagnose=False)
    if broken.passed:
        problems.append(f"{where}: the shipped {lesson.bughunt.file} already meets its expect")
    fixed = check_hunt(lesson, solution_path(lesson), use_diagnose=False)
    problems.extend(f"{where}: {lesson.bughunt.solution}: {p}" for p in fixed.problems)
    return problems
