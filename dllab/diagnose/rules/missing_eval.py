"""`missing-eval`: evaluation run while Dropout/BatchNorm are still in training mode.

Only models with Dropout or BatchNorm are affected: elsewhere `eval()` changes
nothing and nothing is reported. Evaluation done through `model.train(False)`
counts as eval mode. A no_grad forward whose output only becomes images (a GAN's
generator drawing samples to look at, as the PyTorch DCGAN tutorial does in
training mode) is sampling, not evaluation: see `_sampling`.
"""

from __future__ import annotations

import ast
import itertools
import os

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Counter, Event, Field, SiteRecord
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.rules._sampling import sampling_at, sampling_site
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
        samples = [s for s in sites if self.is_sampling(ctx, s)]
        sites = [s for s in sites if s not in samples]
        if sites:
            site = max(sites, key=lambda s: s["count"])
            modules = ", ".join(site.get("modules", []))
            forwards = ctx.counter(Counter.EVAL_FORWARDS_TRAIN_MODE) - sum(
                s["count"] for s in samples
            )
            evidence = (
                f"{plural(forwards, 'forward')} of {site.get('model')} under no_grad ran with "
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
            if calls and not all(sampling_at(src, c.lineno) for c in calls):
                line = getattr(block, "lineno", None)
                # With autograd on and the model in training mode, an evaluation function's
                # forwards look like training ones to the run: it did reach them, unseen.
                seen = (
                    "the run cannot tell its forwards, with autograd on, from training ones"
                    if isinstance(block, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and not src.in_no_grad(block.body[0])
                    else "the run did not reach an evaluation"
                )
                return [
                    self.finding(
                        Severity.WARNING,
                        "Evaluation code never calls model.eval(), and the script builds Dropout/BatchNorm layers.",
                        f"evaluation block at line {line}; no .eval() or .train(False) anywhere (static; {seen})",
                        ctx.at(line),
                        FIX,
                        confirmed=False,
                    )
                ]
        return []

    @staticmethod
    def is_sampling(ctx: Context, site: SiteRecord) -> bool:
        """The forward at `site` (a line of the script) only draws images to look at."""
        file, line = site.get("file"), site.get("line")
        if ctx.source is None or not file or not line:
            return False
        script = os.path.abspath(ctx.script)
        if os.path.abspath(file) != script:
            return False  # another of the user's files: its code is not parsed here
        chains: list[list[int]] | None = None
        if not site.get("callers_truncated"):
            # A frame in another file ends the chain there: it is judged as not sampling.
            chains = [
                [ln for _, ln in itertools.takewhile(lambda f: os.path.abspath(f[0]) == script, c)]
                for c in site.get("callers", [])
            ]
        return sampling_site(ctx.source, line, chains)
