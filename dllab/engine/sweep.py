"""A sweep: one knob over a grid, each point a recorded run, an outcome per arm against the knob.

The plan (`plan_sweep`) turns what the user asked for (`KNOB=LO:HI`, a sweep id,
a knob, or nothing: the lesson's first `[[sweeps]]` entry) into a grid, the
arms that run and one claim-language expression per curve. `SweepRunner` runs
the points one after the other with the ordinary `Run` (in a thread for the
CLI, in a child process for the lab), so every point is a run record like any
other. `summarize` folds the points into the curves the chart draws: per x, the
mean over seeds and the min/max band. No torch here, no textual.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dllab.curriculum.claims import ClaimSyntaxError
from dllab.curriculum.model import pick
from dllab.curriculum.predictions import (
    SweepSpec,
    arm_expr,
    check_grid,
    fixed_message,
    fixing_arms,
    grid,
    names_arms,
    number_check,
    sweep_arms,
    sweep_knob,
)
from dllab.engine.config import RunConfig
from dllab.engine.events import RunStatus
from dllab.engine.predict import expr_value
from dllab.engine.run import Run
from dllab.errors import ConfigError

if TYPE_CHECKING:
    from dllab.curriculum.model import Knob, Lesson

MAX_POINTS = 50
"""More points than this is a typo, not a sweep (each point is a full run)."""


@dataclass
class SweepPlan:
    """What a sweep runs: the grid, the arms, the curves, the seeds."""

    lesson: Lesson
    base: RunConfig
    knob: str
    """`knob` or `ARM.knob`."""
    spec: Knob
    xs: list[float]
    metric: str
    curves: dict[str, str]
    """Curve name (an arm, or the metric itself) -> the expression evaluated on each run."""
    seeds: list[int]
    steps: int
    arms: list[str]
    sweep_id: str = ""
    title: str = ""
    vlines: tuple[float, ...] = ()
    log_y: bool = False

    @property
    def log_x(self) -> bool:
        """Log knobs are swept and drawn on a log axis."""
        return self.spec.log

    def config_at(self, x: float, seed: int) -> RunConfig:
        """The run config of one point."""
        config = copy.deepcopy(self.base)
        arm, _, name = self.knob.rpartition(".")
        value = round(x) if self.spec.type.value == "int" else x
        if arm:
            config.arm_knobs.setdefault(arm, {})[name] = value
        else:
            config.knobs[name] = value
        config.seed, config.steps, config.arms = seed, self.steps, list(self.arms)
        return config


def _target(
    lesson: Lesson, target: str | None
) -> tuple[str, tuple[float, float] | None, SweepSpec | None]:
    """(knob, explicit range or None, the lesson's matching [[sweeps]] entry or None)."""
    if target is None:
        if not lesson.sweeps:
            raise ConfigError(
                f"lesson {lesson.id!r} has no [[sweeps]] entry: name a knob, e.g. "
                f"dllab sweep {lesson.id} KNOB=LO:HI (knobs: {', '.join(lesson.knobs)})"
            )
        return lesson.sweeps[0].knob, None, lesson.sweeps[0]
    knob, sep, bounds = (s.strip() for s in target.partition("="))
    span: tuple[float, float] | None = None
    if sep:
        lo, colon, hi = bounds.partition(":")
        try:
            span = (float(lo), float(hi))
        except ValueError:
            colon = ""
        if not colon:
            raise ConfigError(f"a sweep range is KNOB=LO:HI, e.g. lr=1e-4:1, got {target!r}")
    entry: SweepSpec | None = next((s for s in lesson.sweeps if s.id == knob and not sep), None)
    entry = entry or next((s for s in lesson.sweeps if s.knob == knob), None)
    return (entry.knob if entry and not sep else knob), span, entry


def plan_sweep(
    lesson: Lesson,
    base: RunConfig,
    target: str | None = None,
    *,
    points: int | None = None,
    metric: str | None = None,
    seeds: int = 1,
    steps: int | None = None,
    lang: str = "en",
) -> SweepPlan:
    """Resolve what the user asked for into a plan; every mistake is one ConfigError."""
    knob_name, span, entry = _target(lesson, target)
    try:
        spec = sweep_knob(knob_name, lesson.knobs, lesson.arms)
    except ValueError as exc:
        raise ConfigError(f"cannot sweep {knob_name!r}: {exc}") from None
    assert spec.min is not None and spec.max is not None
    lo, hi = span or ((entry.lo, entry.hi) if entry else (spec.min, spec.max))
    n = points or (entry.points if entry else 7)
    try:
        check_grid(spec, lo, hi, n)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if n > MAX_POINTS:
        raise ConfigError(f"--points {n} is more than {MAX_POINTS} runs; use fewer points")
    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {seeds}")
    probe = SweepSpec("", knob_name, lo, hi, arms=entry.arms if entry else ())
    arms = sweep_arms(probe, lesson.arms)
    fixed = fixing_arms(knob_name, arms, lesson.arms)
    if fixed:
        raise ConfigError(fixed_message(knob_name.rpartition(".")[2], fixed))
    expr = metric or (entry.metric if entry else f"last({lesson.report[0]})")
    try:
        curves = _curves(expr, arms, lesson)
    except ClaimSyntaxError as exc:
        raise ConfigError(f"--metric: {exc}") from None
    run_steps = steps or (entry.steps if entry and entry.steps else None) or base.steps
    if run_steps < 1:
        raise ConfigError(f"--steps must be at least 1, got {run_steps}")
    title = pick(entry.title, lang) if entry and entry.title else f"{expr} against {knob_name}"
    return SweepPlan(
        lesson=lesson,
        base=base,
        knob=knob_name,
        spec=spec,
        xs=grid(spec, lo, hi, n),
        metric=expr,
        curves=curves,
        seeds=[base.seed + i for i in range(seeds)],
        steps=run_steps,
        arms=arms,
        sweep_id=entry.id if entry else "",
        title=title,
        vlines=entry.vlines if entry else (),
        log_y=entry.log_y if entry else False,
    )


def _curves(expr: str, arms: list[str], lesson: Lesson) -> dict[str, str]:
    """One expression per arm ("last(loss)" per arm), or one curve when it names its arms."""
    if names_arms(expr):
        number_check(expr, lesson.arms, "a sweep metric")
        return {expr: expr}
    curves = {arm: arm_expr(expr, arm) for arm in arms}
    for e in curves.values():
        number_check(e, lesson.arms, "a sweep metric")
    return curves


@dataclass
class SweepPoint:
    """One run of the sweep and the value of each curve on it."""

    x: float
    seed: int
    run: str
    status: str
    values: dict[str, float | None] = field(default_factory=dict)
    """Curve -> value (None: missing or not finite, e.g. a diverged arm)."""
    record_dir: str | None = None

    def to_json(self, plan: SweepPlan) -> dict[str, Any]:
        """One `{"type":"point",...}` line of `dllab sweep --json`."""
        return {
            "type": "point",
            "lesson": plan.lesson.id,
            "sweep": plan.sweep_id,
            "knob": plan.knob,
            "x": self.x,
            "seed": self.seed,
            "run": self.run,
            "status": self.status,
            "values": self.values,
            "record_dir": self.record_dir,
        }


class SweepRunner:
    """Runs a plan's points one after the other; `stop()` ends it after the current point."""

    def __init__(
        self,
        plan: SweepPlan,
        *,
        start_run: Callable[[Lesson, RunConfig], Run] | None = None,
        on_point: Callable[[SweepPoint], None] | None = None,
        on_run: Callable[[Run], None] | None = None,
    ) -> None:
        self.plan = plan
        self.start_run = start_run or (lambda lesson, config: Run(lesson, config).start())
        """Starts one point's run: in a thread here; the lab passes its own (a child process)."""
        self.on_point = on_point
        self.on_run = on_run
        """Called with each point's `Run` as it starts (the lab follows its progress)."""
        self.points: list[SweepPoint] = []
        self.stopped = threading.Event()
        self._current: Run | None = None

    @property
    def total(self) -> int:
        """How many runs the sweep makes."""
        return len(self.plan.xs) * len(self.plan.seeds)

    def stop(self) -> None:
        """Stop the current point's run and start no more."""
        self.stopped.set()
        if self._current is not None:
            self._current.stop()

    def run(self, poll_s: float = 0.2) -> list[SweepPoint]:
        """Run every point (blocking); a KeyboardInterrupt stops the sweep cleanly."""
        for x in self.plan.xs:
            for seed in self.plan.seeds:
                if self.stopped.is_set():
                    return self.points
                try:
                    point = self._one(x, seed, poll_s)
                except KeyboardInterrupt:
                    self.stop()
                    if self._current is not None:
                        self._current.wait()
                    return self.points
                if point.status == RunStatus.STOPPED.value:
                    return self.points  # a run cut short measures nothing: not a point
                self.points.append(point)
                if self.on_point is not None:
                    self.on_point(point)
        return self.points

    def _one(self, x: float, seed: int, poll_s: float) -> SweepPoint:
        run = self.start_run(self.plan.lesson, self.plan.config_at(x, seed))
        self._current = run
        if self.stopped.is_set():  # stop() came while this run was starting
            run.stop()
        if self.on_run is not None:
            self.on_run(run)
        while run.wait(poll_s) is None:
            pass
        result = run.result
        assert result is not None
        if result.status is RunStatus.STOPPED:
            self.stopped.set()
        values: dict[str, float | None] = {}
        for name, expr in self.plan.curves.items():
            value = expr_value(expr, run.history)
            values[name] = value if value is not None and math.isfinite(value) else None
        return SweepPoint(x, seed, run.run_id, result.status.value, values, run.record_dir)


def summarize(plan: SweepPlan, points: list[SweepPoint]) -> dict[str, Any]:
    """The `{"type":"summary",...}` line: per curve and x, the mean over seeds and the min/max band.

    An x none of whose seeds gave a finite value is null (a gap in the curve).
    """
    xs = sorted({p.x for p in points})
    curves: dict[str, dict[str, list[float | None]]] = {}
    for name in plan.curves:
        mean: list[float | None] = []
        lo: list[float | None] = []
        hi: list[float | None] = []
        for x in xs:
            vals = [v for p in points if p.x == x and (v := p.values.get(name)) is not None]
            mean.append(sum(vals) / len(vals) if vals else None)
            lo.append(min(vals) if vals else None)
            hi.append(max(vals) if vals else None)
        curves[name] = {"mean": mean, "min": lo, "max": hi}
    return {
        "type": "summary",
        "lesson": plan.lesson.id,
        "sweep": plan.sweep_id,
        "knob": plan.knob,
        "metric": plan.metric,
        "title": plan.title,
        "log_x": plan.log_x,
        "log_y": plan.log_y,
        "seeds": plan.seeds,
        "steps": plan.steps,
        "xs": xs,
        "curves": curves,
        "vlines": list(plan.vlines),
        "runs": [p.run for p in points],
        "complete": len(points) == len(plan.xs) * len(plan.seeds),
    }
