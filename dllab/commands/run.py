"""`dllab run` and `dllab check`: a lesson's live run without the lab."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import click

from dllab import exit_codes
from dllab.commands.common import build_config, find_lesson
from dllab.commands.options import visdom_option
from dllab.commands.wrapping import echo_wrapped
from dllab.curriculum.model import Lesson
from dllab.engine.config import RunConfig
from dllab.engine.events import RunEnded, RunStatus, Subscriber
from dllab.engine.predict import parse_guesses
from dllab.engine.run import Run
from dllab.engine.sinks import JsonLinesWriter, PlainProgress

run_options = [
    click.argument("lesson_id", metavar="LESSON"),
    click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="KNOB=VALUE",
        help="Change a knob (ARM.KNOB=VALUE for one arm). Repeatable.",
    ),
    click.option("--steps", type=int, default=None, help="Steps per arm (default: the lesson's)."),
    click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=None,
        help="Random seed, 0 or more (default: the lesson's).",
    ),
    click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N."),
    click.option("--arm", "arms", multiple=True, help="Run only this arm. Repeatable."),
    click.option(
        "--predict",
        "guesses",
        multiple=True,
        metavar="ID=VALUE",
        help="Your guess for one of the lesson's predictions, judged after the run. Repeatable.",
    ),
    click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="JSON Lines on stdout, nothing else (schema in the README).",
    ),
    visdom_option("Mirror the curves to Visdom."),
]


def _with_run_options(func):  # type: ignore[no-untyped-def]
    for option in reversed(run_options):
        func = option(func)
    return func


@contextlib.contextmanager
def _json_stdout() -> Iterator[IO[str]]:
    """Keep stdout for JSON only: anything else printed (even from C) goes to stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    real = os.fdopen(saved, "w", encoding="utf-8")
    old_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield real
    finally:
        sys.stdout = old_stdout
        try:
            real.flush()  # BrokenPipeError when the reader went away: `cli.main` ends quietly
        finally:
            os.dup2(saved, 1)
            with contextlib.suppress(OSError):
                real.close()


def _check_hunt(lesson: Lesson, path: Path | None, as_json: bool) -> int:
    from dllab.errors import ConfigError
    from dllab.hunts import check_hunt, solution_path, workspace_file
    from dllab.progress import Progress

    if lesson.bughunt is None:
        raise ConfigError(f"lesson {lesson.id!r} has no bug hunt")
    if path is not None and not path.is_file():
        raise ConfigError(f"no such file: {path}")
    target = path or workspace_file(lesson)
    verdict = check_hunt(lesson, target)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "lesson": lesson.id,
                    "file": str(target),
                    "passed": verdict.passed,
                    "problems": verdict.problems,
                    "metrics": verdict.metrics,
                }
            )
        )
    elif verdict.passed:
        click.echo(
            f"✓ Fixed! {target} trains as it should. Reference solution: {solution_path(lesson)}"
        )
    else:
        click.echo(f"✗ Not yet: {target}")
        for problem in verdict.problems:
            click.echo(f"  - {problem}")
    if verdict.passed:
        progress = Progress.load()
        progress.hunt_passed(lesson.id)
        progress.save()
    return exit_codes.OK if verdict.passed else exit_codes.FAILED


def _mirror(url: str | None) -> list[Subscriber]:
    if not url:
        return []
    from dllab.mirrors.visdom import VisdomMirror  # imported only when mirroring

    return [VisdomMirror(url)]


def execute(
    lesson: Lesson,
    config: RunConfig,
    as_json: bool,
    visdom_url: str | None = None,
    out: IO[str] | None = None,
) -> RunEnded:
    """Run a config in this process, printing as asked; Ctrl-C stops it cleanly."""
    from dllab.engine.device import resolve_device

    resolve_device(config.device)  # a bad device is a usage error (exit 2), before anything starts
    out = out or sys.stdout
    subscribers: list[Subscriber] = _mirror(visdom_url)
    live = None
    sink: Subscriber
    if as_json:
        sink = JsonLinesWriter(out)
    elif out.isatty():
        from dllab.commands.live import LiveDisplay

        sink = live = LiveDisplay(lesson, config)
    else:
        sink = PlainProgress(out, lesson, config.steps)
    subscribers.append(sink)
    run = Run(lesson, config, subscribers).start()
    try:
        if live is not None:
            live.show(run)
        while run.wait(0.2) is None:
            if any(d.subscriber is sink for d in run.dispatcher.dropped):
                run.stop()  # nobody reads the output any more (`| head`): stop, keep the record
    except KeyboardInterrupt:
        run.stop()
        run.wait()
    result = run.result
    assert result is not None
    _remember(lesson, run.run_id, result)
    return result


def _remember(lesson: Lesson, run_id: str, result: RunEnded) -> None:
    from dllab.progress import Progress

    progress = Progress.load()
    progress.mark_started(lesson.id)
    progress.record_predictions(lesson.id, result.predictions or [])
    progress.run_ended(lesson.id, run_id, bool(result.claim and result.claim.get("passed")))
    progress.save()


def _report_end(lesson: Lesson, result: RunEnded, checking: bool) -> None:
    err = sys.stderr
    if result.status is not RunStatus.COMPLETED:
        click.echo(f"Run {result.status.value}: {result.message}", err=True)
    claim = result.claim or {}
    for detail in claim.get("details", []):
        mark = "✓" if detail.get("passed") else "✗"
        values = ", ".join(
            f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
            for k, v in detail.get("values", {}).items()
        )
        echo_wrapped(
            f"{mark} {detail['text']}"
            + (f"  ({values})" if values else "")
            + (f"  [{detail['error']}]" if detail.get("error") else ""),
            indent=2,
            file=err if not checking else None,
        )
    verdict = "holds" if claim.get("passed") else "does not hold"
    click.echo(f"Claim {verdict}. ({result.elapsed_s:.1f} s)", file=err if not checking else None)
    if lesson.predictions:
        from dllab.commands.predict import report_predictions

        report_predictions(lesson, result.predictions or [], err if not checking else None)


def _run_and_report(
    lesson: Lesson, config: RunConfig, as_json: bool, visdom_url: str | None, *, checking: bool
) -> RunEnded:
    """Run with the output the command asked for; `check` shows only the verdict, not the progress."""
    if as_json:
        with _json_stdout() as out:
            return execute(lesson, config, True, visdom_url, out)
    result = execute(lesson, config, False, visdom_url, io.StringIO() if checking else None)
    _report_end(lesson, result, checking)
    return result


@click.command()
@_with_run_options
def run(
    lesson_id: str,
    settings: Sequence[str],
    steps: int | None,
    seed: int | None,
    device: str,
    arms: Sequence[str],
    guesses: Sequence[str],
    as_json: bool,
    visdom_url: str | None,
) -> None:
    """Run LESSON's experiment headless: charts on a terminal, plain lines in a pipe, JSON with --json.

    Example: dllab run vanishing-gradients --set depth=20 --steps 50 --json

    With --predict ID=VALUE, guess a number the lesson asks for first: the run
    draws it on the chart and tells how close it was.
    """
    lesson = find_lesson(lesson_id)
    config = build_config(lesson, settings, steps, seed, device, arms)
    config.predictions = parse_guesses(lesson, guesses)
    result = _run_and_report(lesson, config, as_json, visdom_url, checking=False)
    sys.exit(exit_codes.OK if result.status is not RunStatus.FAILED else exit_codes.FAILED)


@click.command()
@_with_run_options
@click.option(
    "--bughunt", is_flag=True, help="Check your fix of the lesson's bug-hunt script instead."
)
@click.option(
    "--file",
    "hunt_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --bughunt: check this script instead of your workspace copy.",
)
def check(
    lesson_id: str,
    settings: Sequence[str],
    steps: int | None,
    seed: int | None,
    device: str,
    arms: Sequence[str],
    guesses: Sequence[str],
    as_json: bool,
    visdom_url: str | None,
    bughunt: bool,
    hunt_file: Path | None,
) -> None:
    """Run LESSON and verify its claim: exit 0 when it holds, 1 when it does not.

    With --bughunt, run your fixed copy of the lesson's broken script and verify
    the fix (its result, and that `dllab diagnose` no longer finds the bug).
    """
    lesson = find_lesson(lesson_id)
    if bughunt:
        sys.exit(_check_hunt(lesson, hunt_file, as_json))
    config = build_config(lesson, settings, steps, seed, device, arms)
    config.predictions = parse_guesses(lesson, guesses)
    result = _run_and_report(lesson, config, as_json, visdom_url, checking=True)
    passed = bool(result.claim and result.claim.get("passed"))
    sys.exit(exit_codes.OK if passed else exit_codes.FAILED)
