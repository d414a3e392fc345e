"""`dllab lessons check`: validate the whole course and list every problem.

Like rustlings' `dev check`: the manifest parses, ids are unique slugs, each
folder has its lesson.toml, both texts with their sections, an experiment that
imports and defines `run(cfg)`, claims that parse and name real arms, and no
stray files.
"""

from __future__ import annotations

from pathlib import Path

from dllab.curriculum.experiment import load_experiment
from dllab.curriculum.loader import _Fields, load_course, load_lesson, read_toml
from dllab.errors import LessonError

ALLOWED_SUFFIXES = {".toml", ".md", ".py"}
IGNORED = {"__pycache__", ".DS_Store"}


def check_course(root: Path, import_experiments: bool = True) -> tuple[list[str], list[str]]:
    """Return (ids of lessons that are fine, problems as 'file [field]: message')."""
    problems: list[str] = []
    good: list[str] = []
    manifest_path = root / "lessons.toml"
    try:
        manifest = _Fields(manifest_path, read_toml(manifest_path))
        entries = manifest.get("lessons", list)
        chapters = {c.get("id") for c in manifest.get("chapters", list) if isinstance(c, dict)}
        load_course(root)  # manifest-level checks (ids, chapters, duplicates)
    except LessonError as exc:
        problems.append(str(exc))
        try:
            entries = read_toml(manifest_path).get("lessons", [])
            chapters = {
                c.get("id")
                for c in read_toml(manifest_path).get("chapters", [])
                if isinstance(c, dict)
            }
        except LessonError:
            return good, problems
    listed_dirs = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "id" not in entry or "dir" not in entry:
            continue
        folder = root / str(entry["dir"])
        listed_dirs.add(folder.name)
        try:
            lesson = load_lesson(folder, str(entry["id"]), str(entry.get("chapter", "")))
            if entry.get("chapter") not in chapters:
                raise LessonError(
                    manifest_path,
                    f"unknown chapter {entry.get('chapter')!r}",
                    f"lessons[{i}].chapter",
                )
            if import_experiments:
                load_experiment(lesson)
            for path in folder.iterdir():
                if path.name in IGNORED:
                    continue
                if path.is_dir() or path.suffix not in ALLOWED_SUFFIXES:
                    raise LessonError(
                        path, "unexpected file in a lesson folder (allowed: .toml, .md, .py)"
                    )
            good.append(lesson.id)
        except LessonError as exc:
            problems.append(str(exc))
    for path in root.iterdir():
        if path.is_dir() and path.name not in IGNORED and path.name not in listed_dirs:
            problems.append(f"{path}: lesson folder is not listed in lessons.toml")
    return good, problems
