"""Two teaching devices of the lesson format: `[[predictions]]` and `[[sweeps]]`.

A prediction asks the learner for one number before the run ("what first/last
gradient ratio will the sigmoid net have at depth 10?"); the run answers it
with a claim-language expression, and the guess is judged in decades (log
scale) or by relative error (linear). A sweep turns one knob over a grid and
charts a per-arm outcome against it. The schema is fixed in the project notes
(DEVICES.md); this module parses and validates it, and holds the pure
judging arithmetic. Evaluating expressions on a run is the engine's job.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dllab.curriculum.claims import CONSTANTS, SERIES_FUNCTIONS, Check, ClaimSyntaxError
from dllab.errors import LessonError

if TYPE_CHECKING:
    from dllab.curriculum.loader import _Fields
    from dllab.curriculum.model import Arm, ChartSpec, Knob, Lesson, Text

_ID = re.compile(r"^[a-z0-9_]+$")
SCALES = ("log", "linear")
DEFAULT_TOLERANCE = {"log": 1.0, "linear": 0.25}
"""One decade on a log scale, 25% on a linear one, when a prediction gives none."""


@dataclass(frozen=True)
class Prediction:
    """A number the learner guesses before the run; the run measures it."""

    id: str
    question: Text
    expr: str
    """A claim-language expression giving one number (no comparison)."""
    scale: str = "linear"
    """'log': judged in orders of magnitude; 'linear': by relative error."""
    tolerance: float = 1.0
    """Decades (log) or relative fraction (linear) that count as close."""
    chart: str | None = None
    """The chart on which the guess is drawn as a reference line."""
    explain: Text = field(default_factory=dict)
    """Why the answer is what it is (shown after the run)."""


@dataclass(frozen=True)
class SweepSpec:
    """One knob over a grid, a per-arm outcome against it."""

    id: str
    knob: str
    """A knob of the lesson, or ARM.knob for one arm's value."""
    lo: float
    hi: float
    points: int = 7
    metric: str = "last(loss)"
    """Per-arm expression: bare metric names mean the arm's own series."""
    steps: int | None = None
    """Steps per point (default: the lesson's)."""
    title: Text = field(default_factory=dict)
    vlines: tuple[float, ...] = ()
    """Reference x positions (e.g. 2/lambda_max)."""
    log_y: bool = False
    """Optional: a log y axis (gradient ratios span decades)."""
    arms: tuple[str, ...] = ()
    """Optional: the arms that run (default: all; only ARM for an ARM.knob sweep)."""

    @property
    def arm(self) -> str:
        """The arm named in `knob` ('' for a shared knob)."""
        return self.knob.rpartition(".")[0]

    @property
    def knob_name(self) -> str:
        """The knob without its arm."""
        return self.knob.rpartition(".")[2]


# -- judging (pure arithmetic, shared by the CLI, the lab and the tests) -----


def prediction_error(scale: str, guess: float, value: float) -> float:
    """How far a guess is: decades |log10(guess/value)| (log) or |guess-value|/|value| (linear).

    A log-scale answer that is not positive cannot be judged in decades: inf.
    """
    if not (math.isfinite(guess) and math.isfinite(value)):
        return math.inf
    if scale == "log":
        if guess <= 0 or value <= 0:
            return math.inf
        return abs(math.log10(guess) - math.log10(value))
    if value == 0:
        return 0.0 if guess == 0 else math.inf
    return abs(guess - value) / abs(value)


def describe_error(scale: str, error: float) -> str:
    """'within 0.3 decades' / 'off by 12%' (the words of the verdict)."""
    if not math.isfinite(error):
        return "cannot be compared"
    if scale == "log":
        return f"{error:.2g} decade{'s' if error >= 1.05 or error < 0.95 else ''} off"
    return f"off by {100 * error:.3g}%"


def check_guess(prediction: Prediction, guess: float) -> None:
    """A guess a log-scale prediction can judge is positive.

    Raises:
        ValueError: with the reason.
    """
    if not math.isfinite(guess):
        raise ValueError(f"prediction {prediction.id!r} needs a finite number, got {guess}")
    if prediction.scale == "log" and guess <= 0:
        raise ValueError(
            f"prediction {prediction.id!r} is judged in orders of magnitude: give a positive number"
        )


def chart_guides(lesson: Lesson, guesses: dict[str, float]) -> dict[str, list[tuple[float, str]]]:
    """The guesses to draw, by chart id: {chart: [(guess, 'guess ID'), ...]}."""
    out: dict[str, list[tuple[float, str]]] = {}
    for p in lesson.predictions:
        if p.chart is not None and p.id in guesses:
            out.setdefault(p.chart, []).append((guesses[p.id], f"guess {p.id}"))
    return out


# -- sweep metrics: "last(loss)" becomes "last(ARM.loss)" for each arm -------


class _ImplyArm(ast.NodeTransformer):
    def __init__(self, arm: str) -> None:
        self.arm = arm

    def _ref(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Name) and node.id not in CONSTANTS:
            return ast.Attribute(ast.Name(self.arm, ast.Load()), node.id, ast.Load())
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return ast.Subscript(ast.Name(self.arm, ast.Load()), node, ast.Load())
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        series = isinstance(node.func, ast.Name) and node.func.id in SERIES_FUNCTIONS
        if series and node.args:
            node.args[0] = self._ref(node.args[0])
        first = 1 if series else 0
        node.args[first:] = [self.visit(a) for a in node.args[first:]]
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self._ref(node)  # a bare series means its last value


def names_arms(expr: str) -> bool:
    """True when `expr` already names its arms (ARM.metric): it is one curve, not one per arm."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    return any(
        isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.value, ast.Name)
        for n in ast.walk(tree)
    )


def arm_expr(metric: str, arm: str) -> str:
    """The sweep metric for one arm: bare series names get `arm.` in front."""
    if names_arms(metric):
        return metric
    try:
        tree = ast.parse(metric, mode="eval")
    except SyntaxError as exc:
        raise ClaimSyntaxError(f"cannot parse {metric!r}: {exc.msg}") from None
    return ast.unparse(ast.fix_missing_locations(_ImplyArm(arm).visit(tree)))


def number_check(expr: str, arms: dict[str, Arm] | list[str], what: str) -> Check:
    """Parse a claim-language expression that must give a number, not a verdict.

    Raises:
        ClaimSyntaxError: it does not parse, names an unknown arm, or compares.
    """
    check = Check(expr, arms=list(arms))
    top = ast.parse(expr, mode="eval").body
    if isinstance(top, (ast.Compare, ast.BoolOp)) or (
        isinstance(top, ast.UnaryOp) and isinstance(top.op, ast.Not)
    ):
        raise ClaimSyntaxError(f"{expr!r}: {what} is a number, not a comparison")
    if not check.refs:
        raise ClaimSyntaxError(f"{expr!r}: {what} must read a series (ARM.metric)")
    return check


# -- parsing ------------------------------------------------------------------


def parse_predictions(
    f: _Fields, arms: dict[str, Arm], charts: tuple[ChartSpec, ...]
) -> tuple[Prediction, ...]:
    """The lesson's `[[predictions]]` tables, validated."""
    out: list[Prediction] = []
    chart_ids = {c.id for c in charts}
    for i, raw in enumerate(f.get("predictions", list, [])):
        p = _table(f, raw, f"predictions[{i}]")
        pred = Prediction(
            id=_ident(p, "id", [q.id for q in out]),
            question=p.text("question"),
            expr=p.get("expr", str),
            scale=p.get("scale", str, "linear"),
            tolerance=p.get("tolerance", float, math.nan),
            chart=p.get("chart", str, None),
            explain=p.text("explain"),
        )
        if pred.scale not in SCALES:
            raise LessonError(p.path, "use 'log' or 'linear'", p.prefix + "scale")
        if math.isnan(pred.tolerance):
            pred = replace(pred, tolerance=DEFAULT_TOLERANCE[pred.scale])
        if not pred.tolerance > 0:
            raise LessonError(p.path, "must be > 0", p.prefix + "tolerance")
        if pred.chart is not None and pred.chart not in chart_ids:
            raise LessonError(
                p.path,
                f"no chart {pred.chart!r} (the lesson's charts: {', '.join(sorted(chart_ids))})",
                p.prefix + "chart",
            )
        _expr(p, "expr", pred.expr, arms, "a prediction")
        out.append(pred)
    return tuple(out)


def parse_sweeps(f: _Fields, knobs: dict[str, Knob], arms: dict[str, Arm]) -> tuple[SweepSpec, ...]:
    """The lesson's `[[sweeps]]` tables, validated."""
    out: list[SweepSpec] = []
    for i, raw in enumerate(f.get("sweeps", list, [])):
        s = _table(f, raw, f"sweeps[{i}]")
        spec = SweepSpec(
            id=_ident(s, "id", [q.id for q in out]),
            knob=s.get("knob", str),
            lo=s.get("lo", float),
            hi=s.get("hi", float),
            points=s.get("points", int, 7),
            metric=s.get("metric", str, "last(loss)"),
            steps=s.get("steps", int, None),
            title=s.text("title", {}),
            vlines=tuple(float(v) for v in s.get("vlines", list, [])),
            log_y=s.get("log_y", bool, False),
            arms=tuple(s.get("arms", list, [])),
        )
        try:
            knob = sweep_knob(spec.knob, knobs, arms)
        except ValueError as exc:
            raise LessonError(s.path, str(exc), s.prefix + "knob") from None
        for arm in spec.arms:
            if arm not in arms:
                raise LessonError(s.path, f"no arm {arm!r}", s.prefix + "arms")
        try:
            check_grid(knob, spec.lo, spec.hi, spec.points)
        except ValueError as exc:
            assert knob.max is not None
            where = "points" if spec.points < 2 else "hi" if spec.hi > knob.max else "lo"
            raise LessonError(s.path, str(exc), s.prefix + where) from None
        if spec.steps is not None and spec.steps < 1:
            raise LessonError(s.path, "must be at least 1", s.prefix + "steps")
        fixed = fixing_arms(spec.knob, sweep_arms(spec, arms), arms)
        if fixed:
            raise LessonError(s.path, fixed_message(spec.knob_name, fixed), s.prefix + "knob")
        for arm in sweep_arms(spec, arms):
            _expr(s, "metric", spec.metric, arms, "a sweep metric", arm)
        out.append(spec)
    return tuple(out)


def sweep_knob(name: str, knobs: dict[str, Knob], arms: dict[str, Arm]) -> Knob:
    """The numeric knob a sweep turns (`knob` or `ARM.knob`).

    Raises:
        ValueError: no such arm or knob, or a knob that is not a number.
    """
    arm, _, knob_name = name.rpartition(".")
    if arm and arm not in arms:
        raise ValueError(f"no arm {arm!r} (arms: {', '.join(arms)})")
    knob = knobs.get(knob_name)
    if knob is None:
        raise ValueError(f"no knob {knob_name!r} (knobs: {', '.join(knobs) or 'none'})")
    if knob.type.value not in ("float", "int"):
        raise ValueError(
            f"knob {knob_name!r} is a {knob.type.value}: a sweep needs a float or int knob"
        )
    return knob


def check_grid(knob: Knob, lo: float, hi: float, points: int) -> None:
    """lo < hi inside the knob's range, at least two points.

    Raises:
        ValueError: saying which bound is wrong.
    """
    assert knob.min is not None and knob.max is not None
    if not lo < hi:
        raise ValueError(f"lo ({lo:g}) must be below hi ({hi:g})")
    if lo < knob.min or hi > knob.max:
        raise ValueError(
            f"{lo:g}:{hi:g} is outside the range of knob {knob.name!r} [{knob.min:g}, {knob.max:g}]"
        )
    if points < 2:
        raise ValueError(f"a sweep needs at least 2 points, got {points}")


def sweep_arms(spec: SweepSpec, arms: dict[str, Arm]) -> list[str]:
    """The arms a sweep runs: its `arms`, else ARM of an ARM.knob sweep, else all."""
    if spec.arms:
        return list(spec.arms)
    return [spec.arm] if spec.arm else list(arms)


def fixing_arms(knob: str, running: list[str], arms: dict[str, Arm]) -> dict[str, Any]:
    """Running arms that fix a shared knob themselves (a shared value would not reach them)."""
    arm, _, name = knob.rpartition(".")
    if arm:
        return {}
    return {a: arms[a].settings[name] for a in running if name in arms[a].settings}


def fixed_message(knob: str, fixed: dict[str, Any]) -> str:
    """Why a shared setting cannot apply, and what to write instead."""
    values = ", ".join(f"{a} has {knob}={v}" for a, v in fixed.items())
    example = next(iter(fixed))
    return (
        f"knob {knob!r} is fixed by arm(s) ({values}); "
        f"set it per arm with ARM.{knob}=VALUE, e.g. {example}.{knob}=..."
    )


def grid(knob: Knob, lo: float, hi: float, points: int) -> list[float]:
    """The sweep's x values: log-spaced for log knobs, integers (deduplicated) for int knobs."""
    if knob.log:
        xs = [lo * (hi / lo) ** (i / (points - 1)) for i in range(points)]
    else:
        xs = [lo + (hi - lo) * i / (points - 1) for i in range(points)]
    if knob.type.value == "int":
        return sorted({round(x) for x in xs})
    return xs


def _table(f: _Fields, raw: Any, name: str) -> _Fields:
    if not isinstance(raw, dict):
        raise LessonError(f.path, "expected a table", name)
    return type(f)(f.path, raw, f"{name}.")


def _ident(f: _Fields, key: str, seen: list[str]) -> str:
    value: str = f.get(key, str)
    if not _ID.match(value):
        raise LessonError(
            f.path, f"{value!r}: use lower-case letters, digits and _", f.prefix + key
        )
    if value in seen:
        raise LessonError(f.path, f"duplicate id {value!r}", f.prefix + key)
    return value


def _expr(f: _Fields, key: str, expr: str, arms: dict[str, Arm], what: str, arm: str = "") -> None:
    try:
        number_check(arm_expr(expr, arm) if arm else expr, arms, what)
    except ClaimSyntaxError as exc:
        raise LessonError(f.path, str(exc), f.prefix + key) from None
