"""Every diagnose check points to a lesson the course has (the report's `learn` line opens it)."""

from __future__ import annotations

import ast
from pathlib import Path

import dllab.diagnose.rules as rules_pkg
from dllab.curriculum.loader import load_course
from dllab.diagnose.rules import ALL_RANK_RULES, ALL_RULES

COURSE_IDS = {lesson.id for lesson in load_course().lessons}

NOT_YET_IN_COURSE: set[str] = set()
"""Lessons checks point to that the course does not have yet (the report says "lesson coming")."""
NO_LESSON = {
    "ddp-same-batches",
    "ddp-diverged-params",
    "ddp-rank-local-decision",
    "ddp-set-epoch",
    "ddp-batchnorm-sync",
}
"""Checks no lesson teaches (distributed training is not in the curriculum): they name no lesson."""


def test_every_rule_lesson_is_in_the_course() -> None:
    missing = {
        rule.check: rule.lesson
        for rule in (*ALL_RULES, *ALL_RANK_RULES)
        if rule.lesson not in COURSE_IDS | NOT_YET_IN_COURSE
        and not (rule.check in NO_LESSON and rule.lesson == "")
    }
    assert not missing, f"rules point to lessons the course does not have: {missing}"


def test_the_not_yet_list_holds_only_missing_lessons() -> None:
    """Once a lesson exists its id leaves the list, so a typo there cannot hide a broken link."""
    assert not NOT_YET_IN_COURSE & COURSE_IDS


def _strings(node: ast.expr) -> set[str]:
    """The string values an expression can take: a constant, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def lesson_literals(path: Path) -> set[str]:
    """Every string a rule file assigns to a name `lesson` (class attribute or local)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "lesson" for t in node.targets
        ):
            found |= _strings(node.value)
    return found


def test_lessons_chosen_at_run_time_are_in_the_course_too() -> None:
    """`missing-eval` picks `batchnorm` for a BatchNorm-only model: that id must exist as well."""
    folder = Path(rules_pkg.__file__).parent
    literals = {f.name: lesson_literals(f) for f in sorted(folder.glob("*.py"))}
    assert "batchnorm" in literals["missing_eval.py"]  # the scan sees the conditional one
    known = COURSE_IDS | NOT_YET_IN_COURSE | {""}
    missing = {name: ids - known for name, ids in literals.items() if ids - known}
    assert not missing, missing
