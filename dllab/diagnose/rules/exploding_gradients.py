"""`exploding-gradients`: the gradient norm leaves its range (grows by orders of magnitude, or overflows).

Baseline: the median total norm of the first 5 recorded steps. Reported when a
later norm is >= 100x the baseline (error at >= 1e3x), when gradients become
non-finite after finite ones, or when they are already far out of range at the
first steps: >= 1e3x the weights' own norm, then NaN/Inf (a too-large
initialization). The finding names the step where the norm left its range, the
growth factor, and what the run points at: the initialization scale, the
learning rate in use, missing clipping. NaN/Inf that follow are its consequence
(`non-finite` says so).

Recurrent nets: a plain `nn.RNN` multiplies the gradient by its recurrent weight
at every time step, so a spectral radius > 1 is a cause. LSTM/GRU gates bound
that gain, so no radius is claimed for them; what makes them blow up in practice
(measured on language models and sequence regressors) is either an init far
above PyTorch's default (`normal_(std=1)`: the gradient is out of range from the
first step, up to 1e8x the weights' norm) or steps too large for the sequence
length: a high learning rate without `clip_grad_norm_`, the weights growing
before the gradient leaves its range.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import GATED_INIT_SCALE, Event, Field, GatedCell
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._recipe import NORMALIZATION, lr_advice, module_types, optimizer_in_use
from dllab.diagnose.rules.missing_zero_grad import gradients_accumulate

WARN_GROWTH = 100.0
ERROR_GROWTH = 1e3
INIT_RATIO = 1e3
"""Gradient norm / weight norm at the first step above which the start itself is out of range."""
WEIGHT_GROWTH = 2.0
"""The weights' norm grown this much by the step the gradient left its range: steps too large."""


@dataclass(frozen=True)
class Explosion:
    """Where and how the gradient norm left its range."""

    step: int
    """The first measured step outside the range (or the first non-finite one)."""
    growth: float
    """Largest finite norm / the baseline (1.0 when it was out of range from the start)."""
    baseline: float
    peak: float
    overflow: tuple[int, str] | None
    """(step, value) of the first non-finite norm."""
    at_init: bool
    """Out of range from the first steps: the initialization, not the training, is the cause."""
    severity: Severity


def explosion(ctx: Context) -> Explosion | None:
    """The run's gradient explosion, if there was one (shared with `non-finite`)."""
    norms = [(int(s), float(v)) for s, v in ctx.get(Field.TOTAL_NORMS, [])]
    weights = dict((int(s), float(v)) for s, v in ctx.get(Field.WEIGHT_NORMS, []))
    finite = [(s, v) for s, v in norms if math.isfinite(v)]
    overflow = next(((s, str(v)) for s, v in norms if not math.isfinite(v)), None)
    first = finite[0] if finite else None
    start_ratio = first[1] / weights[first[0]] if first and weights.get(first[0]) else 0.0
    if overflow is not None and first is not None and start_ratio >= INIT_RATIO:
        return Explosion(first[0], 1.0, first[1], first[1], overflow, True, Severity.ERROR)
    if len(finite) < 3:
        return None
    base = statistics.median(v for _, v in finite[:5])
    later = finite[5:]
    peak = max((v for _, v in later), default=0.0)
    growth = peak / base if base > 0 else 0.0
    if overflow is not None:
        left = next((s for s, v in later if v >= WARN_GROWTH * base), overflow[0])
        return Explosion(left, growth, base, peak, overflow, False, Severity.ERROR)
    if growth < WARN_GROWTH:
        return None
    left = next(s for s, v in later if v >= WARN_GROWTH * base)
    severity = Severity.ERROR if growth >= ERROR_GROWTH else Severity.WARNING
    return Explosion(left, growth, base, peak, None, False, severity)


def _causes(ctx: Context, found: Explosion) -> tuple[list[str], list[str]]:
    """What the run points at (evidence) and the fixes that fit it."""
    points, fixes = [], []
    if gradients_accumulate(ctx):  # the sum of all past gradients grows by itself
        points.append(
            "the gradients were never zeroed, so each step's gradient adds to all before it"
        )
        fixes.append("zero the gradients at every optimizer step (see missing-zero-grad)")
    recurrent = _recurrent_cause(ctx)
    if recurrent is not None:
        points.append(recurrent[0])
        fixes.append(recurrent[1])
    gated = _gated_cells(ctx)
    big = _gated_init_cause(gated)
    if big is not None:
        points.append(big[0])
        fixes.append(big[1])
    # Out of range from the first step: the init is the cause. A big init in a run that
    # left its range later is named, but the rate and clipping stay suspects too.
    init = found.at_init
    if found.at_init and recurrent is None and big is None:
        points.append("it was out of range from the first step: the initialization scale")
        gains = [float(g) for m in ctx.models() if (g := m.get("init_gain"))]
        gain = max(gains) if gains else None
        if gain is not None and gain > 3:
            points.append(
                f"its weights start at std {gain:.3g}/sqrt(fan_in) (He init: 1.41, PyTorch's default: 0.58)"
            )
        if gain is not None and gain <= 3:
            # Already He-scale or smaller: a smaller init is not what is missing.
            points.append(f"its weights start at std {gain:.2f}/sqrt(fan_in), an ordinary scale")
        else:
            fixes.append(
                "use the default or Kaiming/Xavier init (weights std ~ 1/sqrt(fan_in)), not std=1"
            )
        if not module_types(ctx) & NORMALIZATION:
            fixes.append("add normalization (BatchNorm/LayerNorm) for deep stacks")
    if not init:
        grew = _weights_grew(ctx, found)
        if grew is not None:
            points.append(grew)
    lr_fix = None
    opt = optimizer_in_use(ctx)
    if opt is not None and opt.get("lr") is not None:
        points.append(f"{opt['type']} with lr={float(opt['lr']):g}")  # type: ignore[arg-type]
        if not init and not gradients_accumulate(ctx):
            lr_fix = lr_advice(opt)
    clip_fix = None
    if not ctx.sites(Event.CLIP):
        if gated and not init:
            cell = gated[0]
            over = f" over {cell['time_steps']} time steps" if cell["time_steps"] else ""
            points.append(f"no gradient clipping of the {cell['type']}{over}")
            clip_fix = (
                "clip with clip_grad_norm_(model.parameters(), 0.25 to 1.0) between backward() and step(), "
                f"as {cell['type']} training does: one step on an outsized gradient can saturate its gates for good"
            )
        else:
            points.append("no gradient clipping")
            clip_fix = "clip with clip_grad_norm_(params, 1.0) between backward() and step()"
        if gradients_accumulate(ctx):  # clipping would only hide that sum
            clip_fix = None
    # A gated net trained without clipping: clipping is the standard fix, the rate second.
    ordered = [clip_fix, lr_fix] if gated else [lr_fix, clip_fix]
    fixes.extend(f for f in ordered if f is not None)
    return points, fixes


def _gated_cells(ctx: Context) -> list[GatedCell]:
    return [cell for model in ctx.models() for cell in model.get("gated", [])]


def _gated_init_cause(cells: list[GatedCell]) -> tuple[str, str] | None:
    """An LSTM/GRU initialized far above PyTorch's default scale: (evidence, fix)."""
    big = [c for c in cells if c["std"] >= GATED_INIT_SCALE * c["default_std"]]
    if not big:
        return None
    cell = max(big, key=lambda c: c["std"] / c["default_std"])
    ratio = cell["std"] / cell["default_std"]
    evidence = (
        f"the {cell['type']}'s weights started at {ratio:.0f}x PyTorch's default scale "
        f"({cell['param']}: std {cell['std']:.3g}, default {cell['default_std']:.3f} for hidden size {cell['hidden']})"
    )
    fix = (
        f"initialize {cell['layer']} as PyTorch does (uniform +-1/sqrt(hidden_size): std {cell['default_std']:.3f}) "
        f"or with nn.init.orthogonal_ on weight_hh and xavier_uniform_ on weight_ih; std {cell['std']:.2g} is {ratio:.0f}x too large"
    )
    return evidence, fix


def _weights_grew(ctx: Context, found: Explosion) -> str | None:
    """The weights' norm grown by the step the gradient left its range: the steps were too large."""
    weights = [(int(s), float(v)) for s, v in ctx.get(Field.WEIGHT_NORMS, [])]
    start = weights[0] if weights else None
    at = next(((s, v) for s, v in weights if s >= found.step), None)
    if start is None or at is None or start[1] <= 0 or not math.isfinite(at[1]):
        return None
    if at[1] < WEIGHT_GROWTH * start[1]:
        return None
    return f"the weights' norm grew {at[1] / start[1]:.3g}x by then ({start[1]:.3g} at step {start[0]}, {at[1]:.3g} at step {at[0]})"


def _recurrent_cause(ctx: Context) -> tuple[str, str] | None:
    """A recurrent weight initialized with spectral radius > 1: (evidence, fix)."""
    weights = [
        (model["name"], w)
        for model in ctx.models()
        for w in model.get("recurrent", [])
        if w["radius"] > 1.0
    ]
    if not weights:
        return None
    model, w = max(weights, key=lambda mw: mw[1]["radius"])
    radius, steps = w["radius"], w.get("time_steps")
    evidence = (
        f"the recurrent weight {w['layer']} ({model}) started with spectral radius {radius:.2f} > 1"
    )
    if steps:
        growth = radius**steps
        shown = f"{growth:,.0f}" if growth < 1e6 else f"{growth:.1e}"
        evidence += f": over {steps} time steps a gradient can grow by up to {radius:.2f}^{steps} = {shown}x"
    fix = (
        f"initialize {w['layer']} with spectral radius below 1 (e.g. nn.init.orthogonal_ scaled by 0.9, "
        "or the default init), or use an LSTM/GRU"
    )
    return evidence, fix


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


class ExplodingGradients(Rule):
    check = "exploding-gradients"
    lesson = "initialization"
    requires = (
        Field.TOTAL_NORMS,
        Field.WEIGHT_NORMS,
        Field.OPTIMIZERS,
        Event.STEP,
        Event.CLIP,
        Field.MODELS,
        Field.ZERO_GRAD,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.TOTAL_NORMS):
            return []
        found = explosion(ctx)
        if found is None:
            return []
        if found.at_init:
            evidence = f"the total gradient norm was {found.peak:.3g} at step {found.step}, over {INIT_RATIO:.0e}x the weights' own norm"
        else:
            growth = f"{found.growth:,.0f}" if found.growth < 1e6 else f"{found.growth:.1e}"
            evidence = f"the total gradient norm left its range at step {found.step}: {growth}x its median {found.baseline:.3g} over the first steps (peak {found.peak:.3g})"
        if found.overflow is not None:
            evidence += f", then became {found.overflow[1]} at step {found.overflow[0]}"
        points, fixes = _causes(ctx, found)
        if points:
            evidence += "; the run points at: " + ", ".join(points)
        steps = ctx.sites(Event.STEP)
        return [
            self.finding(
                found.severity,
                "Exploding gradients: the gradient norm grows without bound.",
                evidence,
                ctx.site_location(steps[0]) if steps else ctx.model_location(),
                _sentence(
                    "; ".join(f for f in fixes if f) or "lower the learning rate and clip gradients"
                ),
                confirmed=True,
            )
        ]
