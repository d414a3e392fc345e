"""`missing-eval`: evaluation run while Dropout/BatchNorm are still in training mode.

Only models with Dropout or BatchNorm are affected: elsewhere `eval()` changes
nothing and nothing is reported. Evaluation done through `model.train(False)`
counts as eval mode.
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Counter, Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import EVAL_NAME, NO_GRAD_CALLS, Source, call_name, dotted, last

FIX = "Call model.eval() before evaluating (and model.train() before training again), so Dropout is off and BatchNorm uses its running statistics."


def eval_blocks(src: Source) -> list[ast.AST]:
    """`with torch.no_grad()` blocks and functions named like evaluation, without backward()."""
    blocks: list[ast.AST] = []
    for node in ast.walk(src.tree):
        is_block = isinstance(node, (ast.With, ast.AsyncWith)) and any(
            last(call_name(i.context_expr)) in NO_GRAD_CALLS for i in node.items
        )
        is_func = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and bool(
            EVAL_NAME.search(node.name)
        )
        if (is_block or is_func) and not src.method_calls("backward", node):
            blocks.append(node)
    return blocks


class MissingEval(Rule):
    check = "missing-eval"
    lesson = "train-eval-modes"
    requires = (
        Event.EVAL_IN_TRAIN_MODE,
        Counter.EVAL_FORWARDS_TRAIN_MODE,
        Counter.EVAL_FORWARDS,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        sites = ctx.sites(Event.EVAL_IN_TRAIN_MODE)
        if sites:
            site = max(sites, key=lambda s: s["count"])
            modules = ", ".join(site.get("modules", []))
            evidence = (
                f"{plural(ctx.counter(Counter.EVAL_FORWARDS_TRAIN_MODE), 'forward')} of {site.get('model')} under no_grad ran with "
                f"{plural(site.get('n_modules', 0), 'Dropout/BatchNorm module')} in training mode ({modules})"
            )
            # Error when the source has no eval() at all; when it does, this no_grad forward in
            # training mode may be deliberate (MC dropout, a BYOL-style target network): warning.
            knows_eval = ctx.source is not None and ctx.source.calls_eval_mode()
            types = site.get("types", [])
            lesson = "batchnorm" if types and all("Norm" in t for t in types) else self.lesson
            return [
                Finding(
                    self.check,
                    Severity.WARNING if knows_eval else Severity.ERROR,
                    "The model is evaluated in training mode: Dropout stays on and BatchNorm uses (and updates) batch statistics.",
                    evidence,
                    ctx.site_location(site),
                    FIX,
                    lesson,
                    confirmed=True,
                )
            ]
        if ctx.counter(Counter.EVAL_FORWARDS) > 0 or ctx.source is None:
            return []  # the run saw evaluation in eval mode (or the model has no Dropout/BatchNorm)
        if (
            ctx.ran
            and ctx.models()
            and not any(m.get("mode_modules") for m in ctx.models())
            and ctx.status in ("completed",)
        ):
            return []
        src = ctx.source
        if not src.has_mode_layers() or src.calls_eval_mode():
            return []
        models = src.model_names()
        for block in eval_blocks(src):
            calls = [
                c
                for c in src.calls(block)
                if isinstance(c.func, (ast.Name, ast.Attribute)) and dotted(c.func) in models
            ]
            if calls:
                line = getattr(block, "lineno", None)
                return [
                    self.finding(
                        Severity.WARNING,
                        "Evaluation code never calls model.eval(), and the script builds Dropout/BatchNorm layers.",
                        f"evaluation block at line {line}; no .eval() or .train(False) anywhere (static; the run did not reach an evaluation)",
                        ctx.at(line),
                        FIX,
                        confirmed=False,
                    )
                ]
        return []
