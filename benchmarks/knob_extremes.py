"""Knob extremes: how much slower a step gets at each knob's min/max/choice than at the defaults.

A learner turns knobs freely; a range whose end makes a step ~100x slower (a
batch size or width at max) turns a 20-second lesson into a half-hour one. For
each knob value at an edge this runs the lesson for a few steps on CPU and times
one round of plain training steps (every arm one step; no set-up, no
evaluation), right after the same measurement at the defaults, so machine load
hits both alike. It prints, side by side:

    lesson                knob=value            default_ms  extreme_ms  ratio  full_run_s  budget_s
    vanishing-gradients   depth=20                   2.1        4.0     1.9       0.6       20

`full_run_s` is the extreme's round time times the lesson's steps (evaluations
not counted). Exit code 1 when an estimate is above `--factor` budgets (10 by
default: the range is then wrong, or the step needs to be cheaper).

    python benchmarks/knob_extremes.py [--lesson ID ...] [--repeats 1] [--factor 10] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Knob, KnobType, Lesson
from dllab.engine import Run, Subscriber, apply_settings, default_config
from dllab.engine.events import MetricPoint

STEPS = 5
"""Steps per run: step 0 (set-up, first evaluation), plain steps 1-3, the last (evaluation)."""

TIMED_ROUNDS = (2, 3)
"""Rounds timed: plain training steps of every arm (the quickest one is kept)."""


class StepClock(Subscriber):
    """When each round of steps ended: round k ends with the last arm's k-th step."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.round_end: dict[int, float] = {}

    def on_metrics(self, points: list[MetricPoint]) -> None:
        now = time.perf_counter()
        for arm in {p.arm for p in points}:  # one call is one step of one arm (in-process)
            step = self.count.get(arm, 0)
            self.count[arm] = step + 1
            self.round_end[step] = now

    def round_time(self) -> float | None:
        """Wall time of one plain step of every (still running) arm: the quickest timed round."""
        ends = [self.round_end.get(k) for k in (TIMED_ROUNDS[0] - 1, *TIMED_ROUNDS)]
        if any(t is None for t in ends):
            return None  # every arm diverged early
        return min(b - a for a, b in itertools.pairwise(t for t in ends if t is not None))


def extreme_values(knob: Knob) -> list[Any]:
    """The edges a learner can reach: min and max, every choice, both bools."""
    if knob.type is KnobType.BOOL:
        return [False, True]
    if knob.type is KnobType.CHOICE:
        return list(knob.choices)
    assert knob.min is not None and knob.max is not None
    if knob.type is KnobType.INT:
        return [int(knob.min), int(knob.max)]
    return [knob.min, knob.max]


def fmt(value: Any) -> str:
    """A value as `--set` text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def round_time(lesson: Lesson, settings: Sequence[str]) -> float | None:
    """One round of plain steps (seconds) with these settings, on CPU, or None (diverged/failed)."""
    config = apply_settings(lesson, default_config(lesson), settings)
    config.device = "cpu"
    config.steps = STEPS
    clock = StepClock()
    run = Run(lesson, config, subscribers=[clock], record=False).start()
    result = run.wait(timeout=max(120.0, 4 * lesson.budget_s))
    if result is None:
        run.stop()
        run.wait(timeout=30)
        return None
    return clock.round_time()


def _quickest(times: Sequence[float | None]) -> float | None:
    finite = [t for t in times if t is not None]
    return min(finite) if finite else None


def rows(lesson: Lesson, factor: float, repeats: int = 1) -> list[dict[str, Any]]:
    """One row per knob extreme of the lesson, each timed right after the defaults.

    With `repeats` > 1 the two alternate that many times and each keeps its quickest
    round (the least disturbed by other work on the machine).
    """
    out = []
    for name, knob in lesson.knobs.items():
        for value in extreme_values(knob):
            # the value for every arm, beating what an arm fixes (as the lab's per-arm fields can)
            settings = [f"{name}={fmt(value)}"] + [f"{a}.{name}={fmt(value)}" for a in lesson.arms]
            pairs = [(round_time(lesson, []), round_time(lesson, settings)) for _ in range(repeats)]
            base = _quickest([b for b, _ in pairs])
            extreme = _quickest([e for _, e in pairs])
            full = None if extreme is None else extreme * lesson.steps
            out.append(
                {
                    "lesson": lesson.id,
                    "setting": f"{name}={fmt(value)}",
                    "default_ms": None if base is None else round(1000 * base, 2),
                    "extreme_ms": None if extreme is None else round(1000 * extreme, 2),
                    "ratio": None if not (base and extreme) else round(extreme / base, 2),
                    "full_run_s": None if full is None else round(full, 1),
                    "budget_s": lesson.budget_s,
                    "over": full is not None and full > factor * lesson.budget_s,
                }
            )
    return out


def _cell(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    parser.add_argument("--factor", type=float, default=10.0, help="budgets an extreme may take")
    parser.add_argument(
        "--repeats", type=int, default=1, help="alternate default/extreme this many times"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    args = parser.parse_args()
    os.environ.setdefault("DLLAB_HOME", tempfile.mkdtemp(prefix="dllab-bench-"))
    course = load_course()
    lessons = [course.lesson(i) for i in args.lesson] if args.lesson else list(course.lessons)
    load0 = os.getloadavg()[0]
    if not args.json:
        print(f"{os.cpu_count()} CPUs, load average {load0:.1f}")
        print(
            f"{'lesson':<26} {'knob=value':<24} {'default_ms':>10} {'extreme_ms':>10} "
            f"{'ratio':>6} {'full_run_s':>10} {'budget_s':>8}"
        )
    over = []
    for lesson in lessons:
        for row in rows(lesson, args.factor, args.repeats):
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print(
                    f"{row['lesson']:<26} {row['setting']:<24} "
                    f"{_cell(row['default_ms'], '10.1f')} {_cell(row['extreme_ms'], '10.1f')} "
                    f"{_cell(row['ratio'], '6.2f')} {_cell(row['full_run_s'], '10.1f')} "
                    f"{row['budget_s']:>8g}" + ("  OVER" if row["over"] else ""),
                    flush=True,
                )
            if row["over"]:
                over.append(f"{row['lesson']} {row['setting']}")
    if not args.json:
        print(f"load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
        if over:
            print(f"over {args.factor:g} budgets: " + ", ".join(over))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
