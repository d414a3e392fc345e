"""`functional-dropout`: `F.dropout(x, p)` in `forward` without `training=self.training`.

`F.dropout` defaults to `training=True`, so it keeps dropping units after
`model.eval()`: evaluation results are noisy and too low. A call that passes
`training` explicitly (even `training=True`, e.g. Tacotron's always-on prenet
dropout) is deliberate and never reported.
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Counter, Event
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import Source, call_name, dotted, last

DROPOUTS = {
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
}
FIX = "Pass `training=self.training` to F.dropout, or use an nn.Dropout module (which follows eval())."


def _is_functional_dropout(call: ast.Call, attrs: dict[str, ast.expr] | None = None) -> bool:
    """`F.dropout(...)`-style calls; `self.X(...)` only when the class binds X to the function.

    `self.dropout = nn.Dropout(p)` makes `self.dropout(x)` a module call, which
    follows eval(): it is resolved against what the class assigns, never by name.
    """
    name = call_name(call)
    if last(name) not in DROPOUTS or name.startswith(".") or "." not in name:
        return False
    if not name.startswith("self."):
        return True
    value = (attrs or {}).get(name)
    return value is not None and not isinstance(value, ast.Call) and last(dotted(value)) in DROPOUTS


def _self_assignments(cls: ast.ClassDef) -> dict[str, ast.expr]:
    """`self.X` -> the expression the class assigns to it (the last one wins)."""
    found: dict[str, ast.expr] = {}
    for node in ast.walk(cls):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and dotted(target).startswith("self."):
                    found[dotted(target)] = node.value
    return found


def static_hits(src: Source) -> list[int]:
    """F.dropout calls inside a `forward` that leave `training` to its default."""
    hits = []
    for cls in src.classes_with_forward().values():
        attrs = _self_assignments(cls)
        forward = next(
            b for b in cls.body if isinstance(b, ast.FunctionDef) and b.name == "forward"
        )
        for call in src.calls(forward):
            if (
                _is_functional_dropout(call, attrs)
                and len(call.args) < 3
                and not any(k.arg == "training" for k in call.keywords)
            ):
                hits.append(call.lineno)
    return hits


def explicit_training_lines(src: Source) -> set[int]:
    return {
        c.lineno
        for c in src.calls()
        if _is_functional_dropout(c)
        and (len(c.args) >= 3 or any(k.arg == "training" for k in c.keywords))
    }


class FunctionalDropout(Rule):
    check = "functional-dropout"
    lesson = "train-eval-modes"
    requires = (
        Event.FUNCTIONAL_DROPOUT_IN_EVAL,
        Event.EVAL_MODE_WITH_GRAD,
        Counter.EVAL_FORWARDS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        explicit = explicit_training_lines(ctx.source) if ctx.source else set()
        sites = [
            s
            for s in ctx.sites(Event.FUNCTIONAL_DROPOUT_IN_EVAL)
            if s["line"] not in explicit or ctx.display_path(s["file"]) != ctx.script
        ]
        message = "F.dropout in forward() ignores model.eval(): dropout stays on during evaluation."
        if sites:
            site = sites[0]
            evidence = f"{plural(sum(s['count'] for s in sites), 'call')} of F.dropout (p={site.get('p')}) dropped units while {site.get('model')} was in eval mode"
            return [
                self.finding(
                    Severity.ERROR, message, evidence, ctx.site_location(site), FIX, confirmed=True
                )
            ]
        if ctx.counter(Counter.EVAL_FORWARDS) > 0 or ctx.sites(Event.EVAL_MODE_WITH_GRAD):
            return []  # the run evaluated in eval mode and dropout was off
        return [
            self.finding(
                Severity.WARNING,
                message,
                f"F.dropout at line {line} has no training= argument (static)",
                ctx.at(line),
                FIX,
                confirmed=False,
            )
            for line in hits[:1]
        ]
