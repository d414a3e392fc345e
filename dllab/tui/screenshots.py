"""Regenerate the README screenshots: `python -m dllab.tui.screenshots`.

Textual's own SVG screenshots of the home screen and of a lesson after a real
run (trained in a child process, seeded, so the curves are the same each time).
Progress and run records go to a throw-away data dir, never the user's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

LESSON = "vanishing-gradients"
SHOTS = {
    "home.svg": (100, 30),
    "lesson.svg": (120, 40),
    "lesson-80x24.svg": (80, 24),
    "runs-80x24.svg": (80, 24),
}
RUNS_LR = (0.005, 0.05)
"""Two more learning rates for the runs panel's shot (the first run has the default)."""


def _sample_progress() -> None:
    """A learner a few lessons in (in the throw-away data dir), so the list shows statuses."""
    from dllab.curriculum.loader import load_course
    from dllab.progress import Progress

    order = [lesson.id for lesson in load_course().lessons]
    progress = Progress.load()
    for lesson_id in order[:2]:
        progress.mark_passed(lesson_id)
    if len(order) > 2:
        progress.mark_started(order[2])
    progress.save()


async def _shoot(out: Path, lesson_id: str, lang: str, timeout: float) -> list[Path]:
    from dllab.tui.app import make_app
    from dllab.tui.screens.lesson import LessonScreen

    written: list[Path] = []
    _sample_progress()
    app = make_app(lang=lang, fps=4, device="cpu")
    async with app.run_test(size=SHOTS["home.svg"]) as pilot:
        await pilot.pause(0.3)
        written.append(Path(app.save_screenshot("home.svg", str(out))))
        app.open_lesson(lesson_id)
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("r")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while screen.run is None or screen.run.running:
            if loop.time() > deadline:
                raise SystemExit(f"the {lesson_id} run did not finish in {timeout:.0f} s")
            await pilot.pause(0.2)
        await pilot.pause(0.5)
        for name in ("lesson.svg", "lesson-80x24.svg"):
            await pilot.resize_terminal(*SHOTS[name])
            await pilot.pause(0.5)
            app.clear_notifications()
            await pilot.pause(0.1)
            written.append(Path(app.save_screenshot(name, str(out))))
        written.append(await _shoot_runs(pilot, app, screen.lesson, out, timeout))
    return written


async def _shoot_runs(pilot: Any, app: Any, lesson: Any, out: Path, timeout: float) -> Path:
    """Two more runs (other learning rates, in child processes like the lab's), then the
    runs panel: ReLU's loss on a log axis, the default run pinned as the baseline, the cursor moved back."""
    from dllab.engine.config import default_config
    from dllab.tui.screens.runs import RunsScreen

    loop = asyncio.get_running_loop()
    for lr in RUNS_LR:
        config = default_config(lesson)
        config.knobs["lr"] = lr
        config.device = "cpu"
        run = app.start_run(lesson, config, [])
        deadline = loop.time() + timeout
        while run.running:
            if loop.time() > deadline:
                raise SystemExit(f"the lr={lr} run did not finish in {timeout:.0f} s")
            await pilot.pause(0.2)
    app.push_screen(RunsScreen(lesson))
    await pilot.pause(1.0)
    await pilot.press("a", "c", "y", "down", "down", "b", *["left_square_bracket"] * 40)
    await pilot.pause(0.5)
    app.clear_notifications()
    return Path(app.save_screenshot("runs-80x24.svg", str(out)))


def main() -> None:
    """Write the screenshots into assets/screenshots/."""
    from dllab.paths import assets_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=assets_dir() / "screenshots")
    parser.add_argument("--lesson", default=LESSON)
    parser.add_argument("--lang", default="en", choices=["en", "zh"])
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["DLLAB_HOME"] = tempfile.mkdtemp(prefix="dllab-screenshots-")
    for path in asyncio.run(_shoot(args.out, args.lesson, args.lang, args.timeout)):
        print(path)


if __name__ == "__main__":
    main()
