"""The teaching devices across lessons 1-12: every lesson predicts, most hunt a bug."""

from __future__ import annotations

from dllab.curriculum.loader import load_course

FIRST_TWELVE = load_course().lessons[:12]


def test_every_one_of_the_first_twelve_lessons_asks_for_a_prediction() -> None:
    missing = [lesson.id for lesson in FIRST_TWELVE if not lesson.predictions]
    assert missing == []


def test_at_least_eight_of_them_have_a_bug_hunt() -> None:
    assert sum(lesson.bughunt is not None for lesson in FIRST_TWELVE) >= 8


def test_further_reading_cites_no_seed_line_numbers() -> None:
    """A learner cannot open 'seed notes L123-456'; cite the paper, the doc, the d2l chapter."""
    for lesson in FIRST_TWELVE:
        for name in ("en.md", "zh.md"):
            text = (lesson.dir / name).read_text(encoding="utf-8")
            reading = text.split("## Further reading" if name == "en.md" else "## 延伸阅读")[-1]
            assert "Seed notes" not in reading and "笔记原文" not in reading, (lesson.id, name)
