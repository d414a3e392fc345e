"""The end of a headless run with predictions: guess against measurement, in words."""

from __future__ import annotations

from typing import IO, Any

import click

from dllab.commands.wrapping import echo_wrapped
from dllab.curriculum.model import Lesson, pick
from dllab.curriculum.predictions import describe_error


def _tolerance(scale: str, tolerance: float) -> str:
    if scale == "log":
        return f"within {tolerance:g} decade{'s' if tolerance != 1 else ''}"
    return f"within {100 * tolerance:g}%"


def verdict_line(row: dict[str, Any]) -> str:
    """'✓ fast_w: you guessed 1e-11, measured 8.08e-12: 0.093 decades off (close: within 1 decade)'."""
    guess, value, error = row["guess"], row["value"], row["error"]
    scale = str(row["scale"])
    measured = "nothing (the run did not complete)" if value is None else f"{value:.3g}"
    how = describe_error(scale, error if error is not None else float("inf"))
    mark = "✓" if row["close"] else "✗"
    close = "close" if row["close"] else "not close"
    judged = f"{how}, {close} (close means {_tolerance(scale, float(row['tolerance']))})"
    if value is None:
        judged = "not judged"
    return f"{mark} {row['id']}: you guessed {guess:.3g}, measured {measured}: {judged}"


def report_predictions(
    lesson: Lesson, rows: list[dict[str, Any]], file: IO[str] | None, lang: str = "en"
) -> None:
    """Print each guessed prediction's verdict and explanation, and how to guess the others."""
    specs = {p.id: p for p in lesson.predictions}
    click.echo("Predictions:", file=file)
    for row in rows:
        spec = specs[row["id"]]
        if row["guess"] is None:
            echo_wrapped(
                f"? {row['id']}: {pick(spec.question, lang)}  "
                f"(guess before the next run: --predict {row['id']}=VALUE)",
                indent=2,
                file=file,
            )
            continue
        echo_wrapped(verdict_line(row), indent=2, file=file)
        if row["value"] is not None:
            echo_wrapped(pick(spec.explain, lang), indent=6, hang=0, file=file)
