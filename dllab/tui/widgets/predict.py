"""`PredictPanel`: the lesson's predictions, asked before the run, answered after it.

One input per prediction, under its question. A typed guess is kept in the
progress as soon as Enter is pressed (and at run start); the lesson screen hands
the guesses to the run config, draws them on their charts, and after the run
passes the judged rows back (`show_results`) so each question shows the
measured value, how close the guess was and the explanation. Keyboard only:
Tab/Enter move between the inputs, Escape leaves them.
"""

from __future__ import annotations

import math
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from dllab.curriculum.model import Lesson, pick
from dllab.curriculum.predictions import check_guess, describe_error
from dllab.errors import ConfigError
from dllab.tui.i18n import tr


class PredictPanel(VerticalScroll):
    """Inputs for the guesses; `guesses()` returns them, `show_results()` judges them."""

    DEFAULT_CSS = """
    PredictPanel { padding: 0 1; }
    PredictPanel .predict-question { margin-top: 1; }
    PredictPanel .predict-result { color: $text-muted; }
    PredictPanel .predict-result.-close { color: $success; }
    PredictPanel .predict-result.-far { color: $warning; }
    PredictPanel Input.-bad { color: $error; }
    """

    class Guessed(Message):
        """The learner pressed Enter on a valid guess (the screen keeps it in the progress)."""

        def __init__(self, prediction_id: str, guess: float) -> None:
            super().__init__()
            self.prediction_id = prediction_id
            self.guess = guess

    def __init__(self, lesson: Lesson, lang: str = "en", id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson
        self.lang = lang
        self.results: dict[str, dict[str, Any]] = {}
        """The last judged row of each prediction (from the run's end event)."""

    def compose(self) -> ComposeResult:
        yield Static(tr("predict_intro", self.lang), id="predict-intro")
        for p in self.lesson.predictions:
            yield Static(id=f"q-{p.id}", classes="predict-question")
            yield Input(
                id=f"guess-{p.id}",
                placeholder=tr("predict_placeholder_" + p.scale, self.lang),
                compact=True,
                select_on_focus=True,
            )
            yield Static(id=f"r-{p.id}", classes="predict-result")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """(Re)write questions and results in the current language."""
        self.query_one("#predict-intro", Static).update(tr("predict_intro", self.lang))
        for i, p in enumerate(self.lesson.predictions, 1):
            self.query_one(f"#q-{p.id}", Static).update(f"{i}. {pick(p.question, self.lang)}")
            self._show_result(p.id)

    def field(self, prediction_id: str) -> Input:
        """The input of one prediction."""
        return self.query_one(f"#guess-{prediction_id}", Input)

    def prefill(self, kept: dict[str, dict[str, Any]]) -> None:
        """Put the kept guesses (from the progress) back into the inputs."""
        for p in self.lesson.predictions:
            guess = kept.get(p.id, {}).get("guess")
            if isinstance(guess, (int, float)):
                self.field(p.id).value = f"{guess:g}"

    def _parse(self, prediction_id: str) -> float | None:
        """The guess typed for one prediction (None: empty).

        Raises:
            ConfigError: not a number, or not one the prediction can judge.
        """
        text = self.field(prediction_id).value.strip()
        if not text:
            return None
        spec = next(p for p in self.lesson.predictions if p.id == prediction_id)
        try:
            guess = float(text)
            check_guess(spec, guess)
        except ValueError as exc:
            reason = str(exc) if "prediction" in str(exc) else f"{text!r} is not a number"
            raise ConfigError(f"{prediction_id}: {reason}") from None
        return guess

    def guesses(self) -> dict[str, float]:
        """Every typed guess, by prediction id.

        Raises:
            ConfigError: a field holds something that is not a usable number.
        """
        out: dict[str, float] = {}
        for p in self.lesson.predictions:
            guess = self._parse(p.id)
            if guess is not None:
                out[p.id] = guess
        return out

    def on_input_changed(self, event: Input.Changed) -> None:
        pid = (event.input.id or "").removeprefix("guess-")
        try:
            self._parse(pid)
            event.input.remove_class("-bad")
        except ConfigError:
            event.input.add_class("-bad")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pid = (event.input.id or "").removeprefix("guess-")
        try:
            guess = self._parse(pid)
        except ConfigError as exc:
            self.notify(str(exc), severity="error")
            return
        if guess is not None:
            self.post_message(self.Guessed(pid, guess))
        ids = [p.id for p in self.lesson.predictions]
        if pid in ids and ids.index(pid) + 1 < len(ids):
            self.field(ids[ids.index(pid) + 1]).focus()
        else:
            self.focus()  # out of the inputs: the next `r` runs instead of typing an r

    def show_results(self, rows: list[dict[str, Any]]) -> None:
        """After a run: each prediction's measured value and, where guessed, the verdict."""
        self.results = {str(r["id"]): r for r in rows}
        for p in self.lesson.predictions:
            self._show_result(p.id)

    def _show_result(self, prediction_id: str) -> None:
        widget = self.query_one(f"#r-{prediction_id}", Static)
        row = self.results.get(prediction_id)
        widget.remove_class("-close", "-far")
        if row is None or row.get("guess") is None or row.get("value") is None:
            # an answer is not given away to a learner who has not guessed
            widget.update("")
            return
        widget.update(verdict_text(self.lesson, row, self.lang))
        widget.add_class("-close" if row["close"] else "-far")


def error_words(scale: str, error: float, lang: str) -> str:
    """How far off, in the UI language ('0.31 decades off' / '差 0.31 个数量级')."""
    if lang != "zh":
        return describe_error(scale, error)
    if not math.isfinite(error):
        return "无法比较"
    if scale == "log":
        return f"差 {error:.2g} 个数量级"
    return f"偏差 {100 * error:.3g}%"


def verdict_text(lesson: Lesson, row: dict[str, Any], lang: str) -> str:
    """'✓ measured 8.1e-12, you guessed 1e-11: 0.092 decades off.' plus the explanation."""
    spec = next(p for p in lesson.predictions if p.id == row["id"])
    error = row["error"] if row["error"] is not None else math.inf
    how = error_words(spec.scale, error, lang)
    mark = "✓" if row["close"] else "✗"
    head = tr(
        "predict_verdict",
        lang,
        mark=mark,
        value=f"{row['value']:.3g}",
        guess=f"{row['guess']:.3g}",
        how=how,
    )
    return f"{head}\n{pick(spec.explain, lang)}"


def summary_line(lesson: Lesson, rows: list[dict[str, Any]], lang: str) -> str:
    """One line for the end-of-run notification: each guessed prediction's mark and error."""
    parts = []
    for row in rows:
        if row.get("guess") is None or row.get("value") is None:
            continue
        spec = next(p for p in lesson.predictions if p.id == row["id"])
        error = row["error"] if row["error"] is not None else math.inf
        parts.append(
            f"{'✓' if row['close'] else '✗'} {row['id']}: {error_words(spec.scale, error, lang)}"
        )
    return "; ".join(parts)
