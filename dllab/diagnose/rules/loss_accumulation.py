"""`loss-accumulation-graph`: loss tensors summed or stored across steps, keeping every graph alive.

`total += loss` (instead of `loss.item()`) or `losses.append(loss)` holds each
step's autograd graph until the end of the epoch: memory grows every step
(PyTorch FAQ). A warning: results are right, memory is wasted. Summing losses
within one step before `backward()` is fine and never reported; so is anything
under `torch.no_grad()`.
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import Source, call_name, dotted, last

SAFE_CALLS = {"item", "float", "detach", "tolist", "numpy", "int"}
LOSS_FUNCS = ("loss", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "criterion")
FIX = "Accumulate a number, not the tensor: `total += loss.item()` (or `loss.detach()`); append `loss.item()` to lists."


def _loss_names(src: Source, scope: ast.AST) -> set[str]:
    names = {
        dotted(c.func.value)
        for c in src.method_calls("backward", scope)
        if isinstance(c.func, ast.Attribute)
    }
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and any(k in last(call_name(node.value)).lower() for k in LOSS_FUNCS)
        ):
            names.update(dotted(t) for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if n and not n.startswith(".")}


def _is_loss_tensor(src: Source, value: ast.AST, losses: set[str]) -> bool:
    if isinstance(value, ast.BinOp):
        return _is_loss_tensor(src, value.left, losses) or _is_loss_tensor(src, value.right, losses)
    if isinstance(value, ast.Call):
        name = last(call_name(value))
        return (
            name not in SAFE_CALLS
            and any(k in name.lower() for k in LOSS_FUNCS)
            and not name.startswith("_")
        )
    if isinstance(value, ast.Name) and value.id in losses:
        last_value = src.last_assignment(value.id, value)
        return not (isinstance(last_value, ast.Call) and last(call_name(last_value)) in SAFE_CALLS)
    return False


def static_hits(src: Source) -> list[int]:
    hits = []
    for node in ast.walk(src.tree):
        if src.innermost_loop(node) is None or src.in_no_grad(node):
            continue
        scope = src.scope_of(node)
        target: str | None = None
        value: ast.AST | None = None
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            target, value = dotted(node.target), node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.value, ast.BinOp)
            and isinstance(node.value.op, ast.Add)
        ):
            target = dotted(node.targets[0])
            sides = [node.value.left, node.value.right]
            if not any(dotted(s) == target for s in sides):
                continue
            value = next(s for s in sides if dotted(s) != target)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "append"
            and node.value.args
        ):
            target, value = dotted(node.value.func.value), node.value.args[0]
        if not target or value is None:
            continue
        losses = _loss_names(src, scope)
        if target in losses or not _is_loss_tensor(src, value, losses):
            continue
        backward_roots = {
            dotted(c.func.value)
            for c in src.method_calls("backward", scope)
            if isinstance(c.func, ast.Attribute)
        }
        if any(target in root for root in backward_roots) or any(
            target in ast.unparse(c) for c in src.method_calls("backward", scope)
        ):
            continue  # deliberate: the accumulated loss is backpropagated
        if any(
            target in ast.unparse(c)
            for c in src.calls(scope)
            if last(call_name(c)) in {"stack", "sum", "cat"} and src.method_calls("backward", scope)
        ):
            continue
        hits.append(getattr(node, "lineno", 0))
    return hits


class LossAccumulation(Rule):
    check = "loss-accumulation-graph"
    lesson = "autograd-basics"
    requires = (
        Event.LOSS_ACCUMULATION,
        Field.ALIVE_OLD_LOSSES,
        Field.STEPS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        sites = [s for s in ctx.sites(Event.LOSS_ACCUMULATION) if s["count"] >= 2]
        alive = int(ctx.get(Field.ALIVE_OLD_LOSSES, 0))
        message = "Loss tensors are accumulated across steps, so every step's autograd graph stays in memory."
        if sites:
            site = sites[0]
            evidence = f"the running total at this line combined loss tensors from different optimizer steps {plural(site['count'], 'time')}, each keeping its graph alive"
            return [
                self.finding(
                    Severity.WARNING,
                    message,
                    evidence,
                    ctx.site_location(site),
                    FIX,
                    confirmed=True,
                )
            ]
        if alive >= 3:
            location = ctx.at(hits[0]) if hits else ctx.at(None)
            return [
                self.finding(
                    Severity.WARNING,
                    message,
                    f"{alive} loss tensors from earlier steps were still alive (with their graphs) during training",
                    location,
                    FIX,
                    confirmed=True,
                )
            ]
        if ctx.steps >= 10:
            return []  # the run watched the loop and saw nothing kept
        return [
            self.finding(
                Severity.WARNING,
                message,
                f"a loss tensor is added/appended at line {line} without .item() (static)",
                ctx.at(line),
                FIX,
                confirmed=False,
            )
            for line in hits[:1]
        ]
