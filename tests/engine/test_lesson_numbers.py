"""A lesson's number is its folder's number, the same in the lab, `dllab lessons` and the README.

Counting by position made the attention lesson (folder 27) "26" while lesson 26
did not exist yet, and every lesson after a broken one moved up by one.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import OptionList

from dllab.cli import cli
from dllab.curriculum.check import check_course
from dllab.curriculum.loader import load_course
from dllab.tui.app import make_app

ROOT = Path(__file__).parent.parent.parent
TOY = Path(__file__).parent / "toy_course"


def folder_numbers() -> dict[str, int]:
    """Each lesson id of the real course and the number its folder starts with."""
    course = load_course()
    return {le.id: int(le.dir.name.split("_")[0]) for le in course.lessons}


def test_the_real_course_is_numbered_by_folder() -> None:
    course = load_course()
    for lesson in course.lessons:
        assert course.number(lesson) == int(lesson.dir.name.split("_")[0]), lesson.dir
    attention = course.lesson("attention")
    assert course.number(attention) == 27
    assert course.lesson("27") is attention
    assert course.lesson("24").id == "cnn-weight-sharing"


def test_a_gap_keeps_the_numbers_and_a_missing_number_is_unknown(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(TOY, root)
    shutil.copytree(root / "01_toy", root / "05_other")
    with (root / "lessons.toml").open("a") as fh:
        fh.write('\n[[lessons]]\nid = "other"\ndir = "05_other"\nchapter = "toy"\n')
    course = load_course(root)
    assert [course.number(le) for le in course.lessons] == [1, 5]
    assert course.lesson("5").id == "other"
    with pytest.raises(Exception, match="no lesson '2'"):
        course.lesson("2")
    assert check_course(root, import_experiments=False)[1] == []


def test_a_folder_without_a_number_counts_by_place(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(TOY, root)
    shutil.copytree(root / "01_toy", root / "extra")
    with (root / "lessons.toml").open("a") as fh:
        fh.write('\n[[lessons]]\nid = "extra"\ndir = "extra"\nchapter = "toy"\n')
    course = load_course(root)
    assert [course.number(le) for le in course.lessons] == [1, 2]


def test_check_refuses_numbers_out_of_course_order(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(TOY, root)
    shutil.copytree(root / "01_toy", root / "01_again")
    with (root / "lessons.toml").open("a") as fh:
        fh.write('\n[[lessons]]\nid = "again"\ndir = "01_again"\nchapter = "toy"\n')
    _, problems = check_course(root, import_experiments=False)
    assert any("folder number 1 does not come after 01_toy" in p for p in problems), problems


def test_dllab_lessons_prints_the_folder_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    result = CliRunner().invoke(cli, ["lessons", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["lessons"]
    assert {row["id"]: row["number"] for row in rows} == folder_numbers()
    table = CliRunner().invoke(cli, ["lessons"], terminal_width=120).output
    assert re.search(r"│ 27 +│ attention ", table), table


def test_the_readme_course_table_uses_the_same_numbers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| `([a-z0-9-]+)` \|", readme, re.M))
    assert rows, "no course table in the README"
    numbers = folder_numbers()
    for number, lesson_id in rows.items():
        if lesson_id in numbers:  # the table may list a lesson the manifest lacks yet
            assert numbers[lesson_id] == int(number), lesson_id


async def test_the_lab_lists_lessons_by_folder_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang="en", fps=20.0)
    async with app.run_test(size=(80, 24)):
        options = app.screen.query_one(OptionList)
        lines = {
            str(options.get_option_at_index(i).id): str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)
        }
    for lesson_id, number in folder_numbers().items():
        assert re.search(rf"\s{number}\. ", lines[lesson_id]), lines[lesson_id]
