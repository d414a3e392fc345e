"""`eval-without-no-grad`: evaluation forwards that record an autograd graph for nothing.

Results are right but memory and time are wasted (a warning). Dynamic: the
model ran in eval mode with gradients enabled, and no optimizer step ever ran
in eval mode (so this is not deliberate training in eval mode).
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Counter, Event
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import EVAL_NAME, NO_GRAD_CALLS, Source, call_name, dotted, last

FIX = "Wrap evaluation in `with torch.no_grad():` (or decorate the function with @torch.no_grad())."


def static_hits(src: Source) -> list[int]:
    """Functions named like evaluation that run the model in a loop without no_grad.

    With or without `model.eval()`: an evaluation function that lacks both gets
    this finding and `missing-eval`'s, not only the first.
    """
    models = src.model_names()
    hits = []
    for node in ast.walk(src.tree):
        if not isinstance(node, ast.FunctionDef) or not EVAL_NAME.search(node.name):
            continue
        if src.method_calls("backward", node) or src.in_no_grad(node.body[0]):
            continue
        if any(
            isinstance(w, ast.With)
            and any(last(call_name(i.context_expr)) in NO_GRAD_CALLS for i in w.items)
            for w in ast.walk(node)
        ):
            continue
        calls_eval = any(not c.args and not c.keywords for c in src.method_calls("eval", node))
        if not calls_eval and (src.method_calls("train", node) or src.method_calls("step", node)):
            continue  # without model.eval() (no arguments: `self.eval(node)` is something else), only a function that neither trains nor steps is an evaluation
        loops = [n for n in ast.walk(node) if isinstance(n, (ast.For, ast.While))]
        if not any(dotted(c.func) in models for loop in loops for c in src.calls(loop)):
            continue
        callers = [c for c in src.calls() if call_name(c) in (node.name, f"self.{node.name}")]
        if callers and all(src.in_no_grad(c) for c in callers):
            continue
        hits.append(node.lineno)
    return hits


class EvalWithoutNoGrad(Rule):
    check = "eval-without-no-grad"
    lesson = "train-eval-modes"
    requires = (
        Event.EVAL_MODE_WITH_GRAD,
        Counter.STEPS_IN_EVAL,
        Counter.BACKWARD_AFTER_EVAL_FORWARD,
        Counter.EVAL_FORWARDS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        sites = ctx.sites(Event.EVAL_MODE_WITH_GRAD)
        if (
            ctx.counter(Counter.STEPS_IN_EVAL) > 0
            or ctx.counter(Counter.BACKWARD_AFTER_EVAL_FORWARD) > 0
        ):
            return []  # training in eval mode, or gradients taken in eval mode: the graph is used
        if sites:
            site = max(sites, key=lambda s: s["count"])
            evidence = f"{plural(sum(s['count'] for s in sites), 'forward')} of {site.get('model')} ran in eval mode with autograd recording a graph"
            return [
                self.finding(
                    Severity.WARNING,
                    "Evaluation runs without torch.no_grad(): autograd records a graph nobody uses.",
                    evidence,
                    ctx.site_location(site),
                    FIX,
                    confirmed=True,
                )
            ]
        if ctx.counter(Counter.EVAL_FORWARDS) > 0:
            return []
        src = ctx.source
        hits = static_hits(src) if src else []
        return [
            self.finding(
                Severity.WARNING,
                "This evaluation function runs the model without torch.no_grad().",
                f"function at line {line} {_what_it_calls(src, line)} and runs the model in a loop without no_grad/inference_mode (static)",
                ctx.at(line),
                FIX,
                confirmed=False,
            )
            for line in hits[:1]
        ]


def _what_it_calls(src: Source | None, line: int) -> str:
    """Say whether the function calls `.eval()`: one that does not also gets `missing-eval`."""
    fn = (
        next(
            (n for n in ast.walk(src.tree) if isinstance(n, ast.FunctionDef) and n.lineno == line),
            None,
        )
        if src
        else None
    )
    calls_eval = fn is not None and any(
        not c.args and not c.keywords
        for c in src.method_calls("eval", fn)  # type: ignore[union-attr]
    )
    return "calls .eval()" if calls_eval else "never calls .eval() either (see missing-eval)"
