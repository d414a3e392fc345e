"""Every lesson's default run on CPU: wall time against its budget, and whether its claim holds.

Runs each lesson of the manifest (course order) in this process with `Run(...)`,
the default config and device cpu, one after the other, and prints a table:

    id                       wall_s  budget_s  within  claim
    vanishing-gradients        5.6       20     yes     ✓

Run records go to a temporary DLLAB_HOME unless one is set. Exit code 1 when a
lesson fails, misses its claim or runs over budget.

    python benchmarks/lessons.py [--lesson ID ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import torch

DEFAULT_THREADS = torch.get_num_threads()


def run_one(lesson_id: str) -> dict[str, object]:
    """Run one lesson's default config on CPU; return its row."""
    from dllab.curriculum.loader import load_course
    from dllab.engine import Run, default_config

    # every lesson starts from torch's default thread count (a lesson that ran
    # single-threaded before must not make the next one look faster or slower)
    torch.set_num_threads(DEFAULT_THREADS)
    lesson = load_course().lesson(lesson_id)
    config = default_config(lesson)
    config.device = "cpu"
    start = time.perf_counter()
    run = Run(lesson, config).start()
    result = run.wait(timeout=max(300.0, 10 * lesson.budget_s))
    wall = time.perf_counter() - start
    if result is None:
        return {
            "id": lesson_id,
            "wall_s": wall,
            "budget_s": lesson.budget_s,
            "status": "timeout",
            "claim": False,
        }
    claim = bool(result.claim and result.claim.get("passed"))
    return {
        "id": lesson_id,
        "wall_s": round(wall, 2),
        "budget_s": lesson.budget_s,
        "status": result.status.value,
        "claim": claim,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per lesson instead of a table"
    )
    args = parser.parse_args()
    os.environ.setdefault("DLLAB_HOME", tempfile.mkdtemp(prefix="dllab-bench-"))

    from dllab.curriculum.loader import load_course

    ids = args.lesson or [lesson.id for lesson in load_course().lessons]
    rows = []
    if not args.json:
        print(f"{'id':<28} {'wall_s':>7} {'budget_s':>9} {'within':>7}  claim")
    for lesson_id in ids:
        try:
            row = run_one(lesson_id)
        except Exception as exc:  # a broken lesson is a row, not the end of the benchmark
            row = {
                "id": lesson_id,
                "wall_s": 0.0,
                "budget_s": 0,
                "status": f"error: {exc}",
                "claim": False,
            }
        rows.append(row)
        within = float(row["wall_s"]) <= float(row["budget_s"])  # type: ignore[arg-type]
        if args.json:
            print(json.dumps({**row, "within_budget": within}), flush=True)
        else:
            mark = "✓" if row["claim"] else "✗"
            note = "" if row["status"] == "completed" else f"  ({row['status']})"
            print(
                f"{row['id']:<28} {float(row['wall_s']):>7.1f} {row['budget_s']!s:>9} "  # type: ignore[arg-type]
                f"{'yes' if within else 'NO':>7}  {mark}{note}",
                flush=True,
            )
    ok = all(
        r["claim"] and r["status"] == "completed" and float(r["wall_s"]) <= float(r["budget_s"])
        for r in rows
    )  # type: ignore[arg-type]
    if not args.json:
        total = sum(float(r["wall_s"]) for r in rows)  # type: ignore[arg-type]
        print(f"{len(rows)} lesson(s), {total:.1f} s in all; load average {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
