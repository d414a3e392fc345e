"""`[[predictions]]` and `[[sweeps]]` in lesson.toml: parsed, validated, judged."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dllab.curriculum.loader import load_course
from dllab.curriculum.predictions import (
    arm_expr,
    describe_error,
    grid,
    prediction_error,
)
from tests.engine.conftest import toy_lesson
from tests.engine.test_lesson_format import assert_broken_once, edit

TOML = "01_toy/lesson.toml"

CASES = [
    ("prediction bad id", 'id = "fast_w"', 'id = "Fast W"', "[predictions[0].id]"),
    (
        "prediction duplicate id",
        'id = "slow_w"',
        'id = "fast_w"',
        "[predictions[1].id]: duplicate id 'fast_w'",
    ),
    (
        "prediction expr does not parse",
        'expr = "last(fast.w)"',
        'expr = "last(fast.w"',
        "[predictions[0].expr]: cannot parse",
    ),
    (
        "prediction expr names no arm",
        'expr = "last(fast.w)"',
        'expr = "last(quick.w)"',
        "[predictions[0].expr]: 'last(quick.w)' names arm 'quick'",
    ),
    (
        "prediction expr compares",
        'expr = "last(fast.w)"',
        'expr = "last(fast.w) < 1"',
        "[predictions[0].expr]: 'last(fast.w) < 1': a prediction is a number",
    ),
    ("prediction bad scale", 'scale = "log"', 'scale = "decades"', "[predictions[0].scale]"),
    (
        "prediction tolerance not positive",
        "tolerance = 1.0",
        "tolerance = 0.0",
        "[predictions[0].tolerance]: must be > 0",
    ),
    (
        "prediction unknown chart",
        'chart = "w"',
        'chart = "weights"',
        "[predictions[0].chart]: no chart 'weights'",
    ),
    (
        "prediction without explanation",
        'explain = "0.98^50 is about 0.364."',
        "",
        "[predictions[1].explain]: required field is missing",
    ),
    (
        "sweep unknown knob",
        'knob = "fast.lr"',
        'knob = "fast.rate"',
        "[sweeps[0].knob]: no knob 'rate'",
    ),
    (
        "sweep unknown arm",
        'knob = "fast.lr"',
        'knob = "quick.lr"',
        "[sweeps[0].knob]: no arm 'quick'",
    ),
    (
        "sweep over a choice knob",
        'knob = "w0"',
        'knob = "mode"',
        "[sweeps[1].knob]: knob 'mode' is a choice",
    ),
    (
        "sweep over a knob every arm fixes",
        'knob = "fast.lr"',
        'knob = "lr"',
        "[sweeps[0].knob]: knob 'lr' is fixed by arm(s) (slow has lr=0.01, fast has lr=0.2); set it per arm with ARM.lr=VALUE",
    ),
    (
        "sweep lo above hi",
        "lo = 0.05",
        "lo = 0.5",
        "[sweeps[0].lo]: lo (0.5) must be below hi (0.45)",
    ),
    (
        "sweep outside the knob range",
        "hi = 100.0",
        "hi = 1e4",
        "[sweeps[1].hi]: 0.01:10000 is outside the range of knob 'w0' [0.001, 1000]",
    ),
    ("sweep of one point", "points = 5\nmetric", "points = 1\nmetric", "[sweeps[0].points]"),
    (
        "sweep metric does not parse",
        'metric = "last(w)"\nsteps = 20',
        'metric = "last(w"\nsteps = 20',
        "[sweeps[0].metric]: cannot parse",
    ),
    (
        "sweep metric compares",
        'metric = "last(w)"\nsteps = 20',
        'metric = "last(w) > 0"\nsteps = 20',
        "[sweeps[0].metric]",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_device_names_file_and_field(
    course_copy: Path, name: str, old: str, new: str, message: str
) -> None:
    edit(course_copy / TOML, old, new)
    assert_broken_once(course_copy, message, import_experiments=False)


def test_toy_lesson_parses_its_devices() -> None:
    lesson = toy_lesson()
    assert [p.id for p in lesson.predictions] == ["fast_w", "slow_w"]
    fast = lesson.predictions[0]
    assert (fast.scale, fast.tolerance, fast.chart) == ("log", 1.0, "w")
    assert fast.question["zh"].startswith("w 从 1")
    sweep = lesson.sweeps[0]
    assert (sweep.arm, sweep.knob_name, sweep.vlines, sweep.steps) == ("fast", "lr", (0.25,), 20)


def test_tolerance_defaults_by_scale(course_copy: Path) -> None:
    edit(course_copy / TOML, "tolerance = 1.0\n", "")
    edit(course_copy / TOML, "tolerance = 0.1\n", "")
    lesson = load_course(course_copy).lesson("toy")
    assert [p.tolerance for p in lesson.predictions] == [1.0, 0.25]


def test_sweep_metric_implies_the_arm() -> None:
    assert arm_expr("last(w)", "fast") == "last(fast.w)"
    assert arm_expr('log10(first("grad/0")) - loss', "a") == "log10(first(a['grad/0'])) - a.loss"
    assert arm_expr("tail_mean(loss, 5) * pi", "a") == "tail_mean(a.loss, 5) * pi"
    # An expression that names its arms is left alone (one curve).
    assert arm_expr("last(fast.w) / last(slow.w)", "fast") == "last(fast.w) / last(slow.w)"


def test_grid_is_log_spaced_for_log_knobs() -> None:
    lesson = toy_lesson()
    assert grid(lesson.knobs["w0"], 0.01, 100.0, 5) == pytest.approx([0.01, 0.1, 1, 10, 100])
    assert grid(lesson.knobs["lr"], 0.0, 1.0, 5) == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    # int knobs: rounded, no duplicate points
    assert grid(lesson.knobs["fail_at"], 0, 2, 5) == [0, 1, 2]


def test_prediction_error_in_decades_and_percent() -> None:
    assert prediction_error("log", 1e-3, 1e-5) == pytest.approx(2.0)
    assert prediction_error("log", 1e-5, 1e-3) == pytest.approx(2.0)
    assert prediction_error("log", -1.0, 1e-3) == math.inf
    assert prediction_error("linear", 0.4, 0.5) == pytest.approx(0.2)
    assert prediction_error("linear", 1.0, 0.0) == math.inf
    assert prediction_error("linear", 0.3, math.nan) == math.inf
    assert describe_error("log", 0.31) == "0.31 decades off"
    assert describe_error("log", 1.0) == "1 decade off"
    assert describe_error("linear", 0.2) == "off by 20%"
