"""A lesson's claim: checks with thresholds, evaluated on a run's metric history.

A check is a small expression over the run's series, for example

    first(sigmoid.grad_ratio) < 1e-5 and first(relu.grad_ratio) > 1e-2
    tail_mean(relu.loss, 20) < 0.5 * tail_mean(sigmoid.loss, 20)
    nonfinite_step(sgd_lr_0_1["x"]) <= 10

`arm.metric` (or `arm["metric/with/slashes"]`) names a series; functions reduce
a series to a number. The expression is parsed with `ast` and evaluated by
walking the tree with a whitelist: no Python is ever executed. The evaluation
records the value of every reduction so the report can say *why* a claim
failed ("first(sigmoid.grad_ratio) = 0.0031, needs < 1e-05").
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Series(Protocol):
    """What a claim reads from one series (the engine's `SeriesHistory` has it).

    A protocol, not the engine's class: the claim language is part of the lesson
    format, and the course package never imports the engine.
    """

    @property
    def count(self) -> int: ...
    @property
    def first(self) -> tuple[int, float] | None: ...
    @property
    def last(self) -> tuple[int, float] | None: ...
    @property
    def lo(self) -> float: ...
    @property
    def hi(self) -> float: ...
    @property
    def mean(self) -> float: ...
    @property
    def first_nonfinite_step(self) -> int | None: ...
    def recent(self, n: int | None = None) -> list[tuple[int, float]]: ...


class History(Protocol):
    """Where a claim finds its series (the engine's `RunHistory` has it)."""

    def series(self, arm: str, name: str) -> Series | None: ...


class ClaimSyntaxError(ValueError):
    """A claim expression uses something outside the whitelist."""


class MissingData(LookupError):
    """A series the claim needs has no points (yet)."""


@dataclass(frozen=True)
class SeriesRef:
    """A reference to one series in a claim expression."""

    arm: str
    metric: str

    def __str__(self) -> str:
        return (
            f"{self.arm}.{self.metric}"
            if self.metric.isidentifier()
            else f'{self.arm}["{self.metric}"]'
        )


def _need(series: Series | None, ref: SeriesRef) -> Series:
    if series is None or series.count == 0:
        raise MissingData(f"no data for {ref}")
    return series


def _first(s: Series) -> float:
    assert s.first is not None
    return s.first[1]


def _last(s: Series) -> float:
    assert s.last is not None
    return s.last[1]


def _tail_mean(s: Series, n: float) -> float:
    values = [v for _, v in s.recent(int(n))]
    return sum(values) / len(values) if values else math.nan


def _tail_std(s: Series, n: float) -> float:
    values = [v for _, v in s.recent(int(n))]
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _at(s: Series, step: float) -> float:
    for st, v in s.recent():
        if st >= step:
            return v
    raise MissingData(f"no point at step {step:g}")


def _nonfinite_step(s: Series) -> float:
    return math.inf if s.first_nonfinite_step is None else float(s.first_nonfinite_step)


SERIES_FUNCTIONS: dict[str, Callable[..., float]] = {
    "first": _first,
    "last": _last,
    "min": lambda s: s.lo,
    "max": lambda s: s.hi,
    "mean": lambda s: s.mean,
    "count": lambda s: float(s.count),
    "tail_mean": _tail_mean,
    "tail_std": _tail_std,
    "at": _at,
    "nonfinite_step": _nonfinite_step,
    "diverged": lambda s: float(s.first_nonfinite_step is not None),
    "finite": lambda s: float(s.first_nonfinite_step is None),
    "last_step": lambda s: float(s.last[0]) if s.last else math.nan,
}
"""Reductions of a series to a number, with optional numeric arguments."""

NUMBER_FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
    "sqrt": math.sqrt,
    "isfinite": lambda x: float(math.isfinite(x)),
}
"""Plain functions of numbers."""

CONSTANTS = {"inf": math.inf, "nan": math.nan, "e": math.e, "pi": math.pi}

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else (math.inf if a > 0 else -math.inf if a < 0 else math.nan),
    ast.Pow: operator.pow,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


@dataclass
class CheckResult:
    """The verdict of one check and the values it was decided on."""

    text: str
    expr: str
    passed: bool | None
    """True/False, or None when data is still missing (a run in progress)."""
    values: dict[str, float] = field(default_factory=dict)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (non-finite values become strings)."""
        return {
            "text": self.text,
            "expr": self.expr,
            "passed": self.passed,
            "values": {k: v if math.isfinite(v) else str(v) for k, v in self.values.items()},
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class ClaimResult:
    """The verdict on a whole claim: it holds when every applicable check passes."""

    checks: list[CheckResult]

    @property
    def passed(self) -> bool:
        """True only when every check passed."""
        return bool(self.checks) and all(c.passed is True for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        """The `claim` object of the JSON end line."""
        return {"passed": self.passed, "details": [c.to_json() for c in self.checks]}


class Check:
    """One parsed claim check."""

    def __init__(self, expr: str, text: str = "", arms: Iterable[str] | None = None) -> None:
        self.expr = expr
        self.text = text or expr
        try:
            self._tree = ast.parse(expr, mode="eval").body
        except SyntaxError as exc:
            raise ClaimSyntaxError(f"cannot parse {expr!r}: {exc.msg}") from None
        self.refs: list[SeriesRef] = []
        self._validate(self._tree, set(arms) if arms is not None else None)

    def _validate(self, node: ast.AST, arms: set[str] | None) -> None:
        ref = _series_ref(node)
        if ref is not None:
            if arms is not None and ref.arm not in arms:
                raise ClaimSyntaxError(
                    f"{self.expr!r} names arm {ref.arm!r}; the lesson's arms are {sorted(arms)}"
                )
            self.refs.append(ref)
            return
        if isinstance(node, ast.Call):
            if (
                not isinstance(node.func, ast.Name)
                or node.func.id not in SERIES_FUNCTIONS | NUMBER_FUNCTIONS
            ):
                allowed = ", ".join(sorted(SERIES_FUNCTIONS | NUMBER_FUNCTIONS))
                raise ClaimSyntaxError(f"{self.expr!r}: unknown function (allowed: {allowed})")
            if node.keywords:
                raise ClaimSyntaxError(f"{self.expr!r}: keyword arguments are not allowed")
            if node.func.id in SERIES_FUNCTIONS and (
                not node.args or _series_ref(node.args[0]) is None
            ):
                raise ClaimSyntaxError(
                    f"{self.expr!r}: {node.func.id}() takes a series such as arm.metric first"
                )
            for arg in node.args:
                self._validate(arg, arms)
            return
        if isinstance(node, ast.Name):
            if node.id not in CONSTANTS:
                raise ClaimSyntaxError(
                    f"{self.expr!r}: {node.id!r} is not a series (write arm.metric) nor a constant"
                )
            return
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float)) or isinstance(node.value, bool):
                raise ClaimSyntaxError(f"{self.expr!r}: only numbers are allowed as constants")
            return
        allowed_nodes = (
            ast.BoolOp,
            ast.UnaryOp,
            ast.BinOp,
            ast.Compare,
            ast.And,
            ast.Or,
            ast.Not,
            ast.USub,
            ast.UAdd,
        )
        if not isinstance(node, allowed_nodes) or (
            isinstance(node, ast.BinOp) and type(node.op) not in _BINOPS
        ):
            raise ClaimSyntaxError(
                f"{self.expr!r}: {type(node).__name__} is not allowed in a claim"
            )
        if isinstance(node, ast.Compare) and any(type(op) not in _CMPOPS for op in node.ops):
            raise ClaimSyntaxError(
                f"{self.expr!r}: only <, <=, >, >=, ==, != comparisons are allowed"
            )
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.operator, ast.cmpop, ast.boolop, ast.unaryop)):
                self._validate(child, arms)

    def evaluate(self, history: History) -> CheckResult:
        """Decide the check on a history; missing data gives passed=None."""
        values: dict[str, float] = {}
        try:
            result = _Evaluator(history, values).eval(self._tree)
        except MissingData as exc:
            return CheckResult(self.text, self.expr, None, values, str(exc))
        except (ArithmeticError, ValueError) as exc:
            return CheckResult(self.text, self.expr, False, values, f"{type(exc).__name__}: {exc}")
        return CheckResult(self.text, self.expr, bool(result), values)

    def value(self, history: History) -> float:
        """The number the expression gives (predictions and sweeps read it, not a verdict).

        Raises:
            MissingData: a series it needs has no points.
        """
        try:
            return float(_Evaluator(history, {}).eval(self._tree))
        except (ArithmeticError, ValueError, TypeError):
            return math.nan


def _series_ref(node: ast.AST) -> SeriesRef | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return SeriesRef(node.value.id, node.attr)
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return SeriesRef(node.value.id, node.slice.value)
    return None


class _Evaluator:
    def __init__(self, history: History, values: dict[str, float]) -> None:
        self.history = history
        self.values = values

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.BoolOp):
            results = [bool(self.eval(v)) for v in node.values]
            return all(results) if isinstance(node.op, ast.And) else any(results)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            return (
                (not operand)
                if isinstance(node.op, ast.Not)
                else (-operand if isinstance(node.op, ast.USub) else operand)
            )
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comparator)
                if not _CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            name = node.func.id
            if name in SERIES_FUNCTIONS:
                ref = _series_ref(node.args[0])
                assert ref is not None
                series = _need(self.history.series(ref.arm, ref.metric), ref)
                extra = [self.eval(a) for a in node.args[1:]]
                value = float(SERIES_FUNCTIONS[name](series, *extra))
                self.values[ast.unparse(node)] = value
                return value
            return NUMBER_FUNCTIONS[name](*[self.eval(a) for a in node.args])
        if isinstance(node, ast.Name):
            return CONSTANTS[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        ref = _series_ref(node)
        if ref is not None:
            # A bare series means its last value.
            value = _last(_need(self.history.series(ref.arm, ref.metric), ref))
            self.values[str(ref)] = value
            return value
        raise ClaimSyntaxError(f"cannot evaluate {ast.unparse(node)}")


def evaluate_claim(checks: Iterable[Check], history: History) -> ClaimResult:
    """Evaluate every check of a claim on one history."""
    return ClaimResult([c.evaluate(history) for c in checks])
