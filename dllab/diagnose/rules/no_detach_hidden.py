"""`no-detach-hidden`: recurrent hidden state carried across batches without `detach()`.

Backpropagation then reaches into earlier batches: PyTorch raises "Trying to
backward through the graph a second time", or, with `retain_graph=True`, every
step gets slower and holds more memory.
"""

from __future__ import annotations

import ast
import re

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import Source, call_name, target_names

HIDDEN_NAME = re.compile(
    r"^(h|c|hx|cx|h\d|c\d|hn|cn|hc|mem|memory|.*hidden.*|.*state.*)$", re.IGNORECASE
)
FIX = "Detach the state at the start of each batch (`hidden = hidden.detach()`, or a tuple of detached tensors for LSTM), or re-initialize it."
SECOND_BACKWARD = "backward through the graph a second time"


def _arg_names(call: ast.Call) -> set[str]:
    names: set[str] = set()
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def static_hits(src: Source) -> list[int]:
    hits: list[int] = []
    for loop in src.loops():
        if not src.method_calls("backward", loop) or src.in_no_grad(loop):
            continue
        assigns = [n for n in ast.walk(loop) if isinstance(n, ast.Assign)]
        for node in assigns:
            if not isinstance(node.value, ast.Call) or call_name(node.value).split(".")[0] in {
                "torch",
                "F",
                "np",
                "nn",
            }:
                continue
            bound = {n for t in node.targets for n in target_names(t)}
            carried = {n for n in bound & _arg_names(node.value) if HIDDEN_NAME.match(n)}
            for name in carried:
                others = [
                    a
                    for a in assigns
                    if a is not node and name in {n for t in a.targets for n in target_names(t)}
                ]
                detached = any(
                    isinstance(c.func, ast.Attribute) and c.func.attr in {"detach_", "detach"}
                    for c in src.calls(loop)
                    if name in _arg_names(c)
                    or (
                        isinstance(c.func, ast.Attribute)
                        and isinstance(c.func.value, ast.Name)
                        and c.func.value.id == name
                    )
                )
                if not others and not detached and node.lineno not in hits:
                    hits.append(node.lineno)
    return hits


class NoDetachHidden(Rule):
    check = "no-detach-hidden"
    lesson = "truncated-bptt-perplexity"
    requires = (
        Event.HIDDEN_NOT_DETACHED,
        Field.OUTCOME,
        Field.BACKWARDS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        sites = ctx.sites(Event.HIDDEN_NOT_DETACHED)
        error = ctx.get(Field.OUTCOME, {}).get("error") or {}
        message = "Recurrent hidden state is carried across batches without detach(): backward reaches into earlier batches."
        if sites:
            site = sites[0]
            location = ctx.at(hits[0]) if hits else ctx.site_location(site)
            evidence = f"{plural(sum(s['count'] for s in sites), 'call')} of {site.get('module')} received a hidden state whose graph spans an earlier backward()"
            return [self.finding(Severity.ERROR, message, evidence, location, FIX, confirmed=True)]
        if not hits:
            return []
        if SECOND_BACKWARD in str(error.get("message", "")):
            return [
                self.finding(
                    Severity.ERROR,
                    message,
                    f"the run failed with: {error['message'][:160]}",
                    ctx.at(hits[0]),
                    FIX,
                    confirmed=True,
                )
            ]
        uses_torch_rnn = (
            ctx.source is not None and re.search(r"\b(RNN|LSTM|GRU)\(", ctx.source.text) is not None
        )
        if uses_torch_rnn and ctx.get(Field.BACKWARDS, 0) >= 2:
            return []  # the run watched every RNN call and saw the state detached
        return [
            self.finding(
                Severity.WARNING,
                message,
                f"hidden state assigned at line {hits[0]} feeds the next batch's call with no detach() in the loop (static)",
                ctx.at(hits[0]),
                FIX,
                confirmed=False,
            )
        ]
