"""A lesson's predictions on a run: the learner's guesses checked, then judged on the history.

The format and the arithmetic of "how close" live in `dllab.curriculum.predictions`;
here the guesses meet a run: they travel in the `RunConfig` (so the record keeps
them) and are judged when the run ends, for the JSON end line, the CLI's verdict
and the lab alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dllab.curriculum.claims import Check, ClaimSyntaxError, MissingData
from dllab.curriculum.predictions import check_guess, prediction_error
from dllab.errors import ConfigError

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson
    from dllab.engine.history import RunHistory


def parse_guesses(lesson: Lesson, items: Iterable[str]) -> dict[str, float]:
    """`ID=VALUE` strings (from `--predict`) as {id: guess}.

    Raises:
        ConfigError: unknown id, not a number, or a log-scale guess that is not positive.
    """
    known = {p.id: p for p in lesson.predictions}
    guesses: dict[str, float] = {}
    for item in items:
        pid, sep, text = (s.strip() for s in item.partition("="))
        if not sep:
            raise ConfigError(f"--predict takes ID=VALUE, got {item!r}")
        if pid not in known:
            ids = ", ".join(known) or "none"
            raise ConfigError(
                f"lesson {lesson.id!r} has no prediction {pid!r} (predictions: {ids})"
            )
        try:
            guess = float(text)
            check_guess(known[pid], guess)
        except ValueError as exc:
            reason = str(exc) if "prediction" in str(exc) else f"{text!r} is not a number"
            raise ConfigError(f"--predict {pid}: {reason}") from None
        guesses[pid] = guess
    return guesses


def expr_value(expr: str, history: RunHistory) -> float | None:
    """The number a claim-language expression gives on a history (None: data missing)."""
    try:
        return Check(expr).value(history)
    except MissingData:
        return None
    except ClaimSyntaxError:
        return math.nan


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def judge_predictions(
    lesson: Lesson, guesses: dict[str, float], history: RunHistory | None
) -> list[dict[str, Any]]:
    """One row per prediction of the lesson: {id, guess, value, error, close, scale, tolerance}.

    `history` None (a run that did not complete) measures nothing. A prediction
    the learner did not guess still gets its measured value (tools and tests
    read it); `error` and `close` are then null.
    """
    rows = []
    for p in lesson.predictions:
        value = expr_value(p.expr, history) if history is not None else None
        guess = guesses.get(p.id)
        error = close = None
        if guess is not None and value is not None:
            err = prediction_error(p.scale, guess, value)
            error, close = _finite(err), err <= p.tolerance
        rows.append(
            {
                "id": p.id,
                "guess": guess,
                "value": _finite(value),
                "error": error,
                "close": close,
                "scale": p.scale,
                "tolerance": p.tolerance,
            }
        )
    return rows
