"""`missing-zero-grad`: gradients from earlier steps are still in `.grad` when the optimizer steps.

Dynamic: at every optimizer step the child checks whether each parameter's
`.grad` is the very tensor the previous step used and was not cleared since
(`zero_grad`, `set_to_none`, `p.grad = None`, `p.grad.zero_()`). Deliberate
gradient accumulation (step every k backward calls, zero after each step) clears
between steps and is never reported.
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.static import Source, dotted

FIX = (
    "Call optimizer.zero_grad() once per step, before loss.backward() (or after optimizer.step())."
)


def clears_grads(src: Source, loop: ast.AST) -> bool:
    """Does the loop clear gradients in any of the usual ways?"""
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "zero_grad":
                return True
            if (
                node.func.attr in {"zero_", "detach_", "fill_"}
                and ".grad" in dotted(node.func.value) + "."
            ):
                return True
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
            if any(isinstance(t, ast.Attribute) and t.attr == "grad" for t in targets):
                return True
    return False


def static_hits(src: Source) -> list[int]:
    opts = src.optimizer_names()
    lines = []
    loops = list(src.loops())
    for loop in loops:
        backs = src.method_calls("backward", loop)
        if not backs or not any(src.is_optimizer_step(c, opts) for c in src.calls(loop)):
            continue
        inner = [o for o in loops if o is not loop and loop in set(src.ancestors(o))]
        if any(
            src.method_calls("backward", o)
            and any(src.is_optimizer_step(c, opts) for c in src.calls(o))
            for o in inner
        ):
            continue  # judge the innermost training loop
        if not clears_grads(src, loop):
            lines.append(backs[0].lineno)
    return lines


def gradients_accumulate(ctx: Context) -> bool:
    """Did most optimizer steps (2 or more) see the previous step's gradients still there?"""
    stats = ctx.get(Field.ZERO_GRAD, {})
    checked, stale = int(stats.get("checked", 0)), int(stats.get("stale", 0))
    return checked >= 2 and stale >= 2 and stale >= checked / 2


class MissingZeroGrad(Rule):
    check = "missing-zero-grad"
    lesson = "autograd-basics"
    requires = (
        Field.ZERO_GRAD,
        Event.STEP,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        stats = ctx.get(Field.ZERO_GRAD, {})
        checked, stale = int(stats.get("checked", 0)), int(stats.get("stale", 0))
        steps = ctx.sites(Event.STEP)
        if checked >= 2:
            if not gradients_accumulate(ctx):
                return []
            location = (
                ctx.at(hits[0])
                if hits
                else (ctx.site_location(steps[0]) if steps else ctx.at(None))
            )
            evidence = f"at {stale} of {checked} optimizer steps the gradients still held the previous step's values (first at step {stats.get('first_stale_step')}): they accumulate across steps"
            return [
                self.finding(
                    Severity.ERROR,
                    "Gradients are never zeroed between optimizer steps.",
                    evidence,
                    location,
                    FIX,
                    confirmed=True,
                )
            ]
        return [
            self.finding(
                Severity.WARNING,
                "This training loop calls backward() and step() but never zeroes the gradients.",
                f"loop with backward() at line {line} has no zero_grad() / .grad = None (static; the run took fewer than 2 optimizer steps)",
                ctx.at(line),
                FIX,
                confirmed=False,
            )
            for line in hits[:1]
        ]
