"""`double-softmax`: probabilities fed to a loss that expects logits.

CrossEntropyLoss applies log_softmax itself, so a model that already ends in
softmax trains on squashed logits (the loss cannot fall below log(1+(C-1)/e)).
The same holds for sigmoid before BCEWithLogitsLoss. `log_softmax` + `NLLLoss`
and softmax used only for printing are correct and never reported.
"""

from __future__ import annotations

import ast
import math
import os
from dataclasses import dataclass

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field, LossSite
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import Source, call_name, dotted, last, target_names
from dllab.errors import ScriptLoadError

SHAPE_METHODS = {
    "squeeze",
    "unsqueeze",
    "view",
    "reshape",
    "flatten",
    "contiguous",
    "float",
    "to",
    "permute",
    "transpose",
}


@dataclass(frozen=True)
class Flavour:
    squash: str
    """Last part of the squashing call (`softmax`, `sigmoid`)."""
    module: str
    """Its module class (`Softmax`, `Sigmoid`)."""
    loss_classes: tuple[str, ...]
    loss_functions: tuple[str, ...]
    fn: str
    """The loss function name the child records."""


SOFTMAX = Flavour("softmax", "Softmax", ("CrossEntropyLoss",), ("cross_entropy",), "cross_entropy")
SIGMOID = Flavour(
    "sigmoid",
    "Sigmoid",
    ("BCEWithLogitsLoss",),
    ("binary_cross_entropy_with_logits",),
    "binary_cross_entropy_with_logits",
)


@dataclass(frozen=True)
class StaticHit:
    line: int
    """The squashing call (what to remove)."""
    loss_line: int
    unambiguous: bool


def _squash_line(node: ast.AST | None, fl: Flavour, squash_attrs: dict[str, int]) -> int | None:
    """Line of the squash if `node` is one (`F.softmax(x)`, `self.softmax(x)` for an nn.Softmax attribute)."""
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SHAPE_METHODS
    ):
        node = node.func.value  # `torch.sigmoid(z).squeeze(1)` is still a sigmoid output
    if not isinstance(node, ast.Call):
        return None
    name = call_name(node)
    if last(name) == fl.squash:
        return node.lineno
    return squash_attrs.get(name)


def _ends_in_squash(seq: ast.Call, fl: Flavour) -> int | None:
    if last(call_name(seq)) == "Sequential" and seq.args:
        tail = seq.args[-1]
        if isinstance(tail, ast.Call) and last(call_name(tail)) == fl.module:
            return tail.lineno
    return None


def squashing_models(src: Source, fl: Flavour) -> dict[str, int]:
    """Model names (classes, variables, `self.` attributes) whose output is already squashed -> line."""
    models: dict[str, int] = {}
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            line = _ends_in_squash(node.value, fl)
            if line:
                for t in node.targets:
                    for name in target_names(t):
                        models[name] = line
    for cls_name, cls in src.classes_with_forward().items():
        attrs: dict[str, int] = {}
        for sub in ast.walk(cls):
            if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
                seq = _ends_in_squash(sub.value, fl)
                is_mod = last(call_name(sub.value)) == fl.module
                for t in sub.targets:
                    if isinstance(t, ast.Attribute) and (seq or is_mod):
                        attrs[dotted(t)] = seq or sub.lineno
        forward = next(
            b for b in cls.body if isinstance(b, ast.FunctionDef) and b.name == "forward"
        )
        returns = [
            r for r in ast.walk(forward) if isinstance(r, ast.Return) and r.value is not None
        ]
        lines = []
        for ret in returns:
            value: ast.AST | None = ret.value
            if isinstance(value, ast.Name):
                value = src.last_assignment(value.id, ret)
            lines.append(_squash_line(value, fl, attrs))
        if returns and all(lines):
            models[cls_name] = int(lines[-1] or 0)
    # variables bound to instances of those classes
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            cls_line = models.get(last(call_name(node.value)))
            if cls_line and call_name(node.value)[:1].isupper():
                for t in node.targets:
                    for name in target_names(t):
                        models.setdefault(name, cls_line)
    return models


def static_hits(src: Source, fl: Flavour) -> list[StaticHit]:
    models = squashing_models(src, fl)
    criteria = set(src.bound_to_call(lambda n: last(n) in fl.loss_classes))
    hits: list[StaticHit] = []
    for call in src.calls():
        name = call_name(call)
        inline_module = (
            isinstance(call.func, ast.Call) and last(call_name(call.func)) in fl.loss_classes
        )
        if (
            not (name in criteria or last(name) in fl.loss_functions or inline_module)
            or not call.args
        ):
            continue
        arg: ast.AST | None = call.args[0]
        if isinstance(arg, ast.Name):
            arg = src.last_assignment(arg.id, call) or arg
        line = _squash_line(arg, fl, {})
        if line:
            hits.append(StaticHit(line, call.lineno, unambiguous=True))
            continue
        if isinstance(arg, ast.Call):
            model_line = models.get(call_name(arg)) or models.get(last(call_name(arg)))
            if model_line:
                hits.append(StaticHit(model_line, call.lineno, unambiguous=True))
                continue
        if models:
            hits.append(StaticHit(min(models.values()), call.lineno, unambiguous=False))
    return hits


def squash_in_forward(ctx: Context, fl: Flavour) -> int | None:
    """Line of a squash call inside the `forward` of a model the run saw (e.g. a conditional softmax)."""
    if ctx.source is None:
        return None
    classes = ctx.source.classes_with_forward()
    for model in ctx.models():
        cls = classes.get(model["class"])
        if cls is None:
            continue
        forward = next(
            b for b in cls.body if isinstance(b, ast.FunctionDef) and b.name == "forward"
        )
        lines = [c.lineno for c in ctx.source.calls(forward) if last(call_name(c)) == fl.squash]
        if lines:
            return lines[-1]
    return None


def squash_in_sibling_model(ctx: Context, fl: Flavour) -> Location | None:
    """The squash in the `forward` of a model class defined in another of the user's files.

    `from model import Net` in the script: the softmax to remove is in model.py,
    not at the loss call. The child records where each model's class is defined.
    """
    for model in ctx.models():
        file = model.get("file")
        if not file or os.path.abspath(file) == os.path.abspath(ctx.script):
            continue
        try:
            with open(file, encoding="utf-8") as fh:
                src = Source.parse(file, fh.read())
        except (OSError, UnicodeDecodeError, ScriptLoadError):
            continue
        line = squashing_models(src, fl).get(model["class"])
        cls = src.classes_with_forward().get(model["class"])
        if line is None and cls is not None:
            forward = next(
                b for b in cls.body if isinstance(b, ast.FunctionDef) and b.name == "forward"
            )
            calls = [c.lineno for c in src.calls(forward) if last(call_name(c)) == fl.squash]
            line = calls[-1] if calls else None
        if line:
            return ctx.at(line, file)
    return None


def loss_floor(classes: int) -> float:
    """Lowest cross-entropy reachable when probabilities are used as logits: log(1 + (C-1)/e)."""
    return math.log(1 + (classes - 1) / math.e)


class DoubleSoftmax(Rule):
    check = "double-softmax"
    lesson = "logits-not-probabilities"
    requires = (
        Field.LOSSES,
        Field.PHASES,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        findings: list[Finding] = []
        for fl in (SOFTMAX, SIGMOID):
            findings.extend(self._one(ctx, fl))
        return findings

    def _one(self, ctx: Context, fl: Flavour) -> list[Finding]:
        hits = static_hits(ctx.source, fl) if ctx.source else []
        sites = [s for s in ctx.losses(fl.fn) if s.get("checked", 0) > 0]
        if sites:  # the run saw this loss: its inputs decide
            return [f for s in sites if (f := self._confirmed(ctx, fl, s, hits)) is not None]
        seen: set[int] = set()
        findings = []
        for hit in hits:
            if hit.line in seen:
                continue
            seen.add(hit.line)
            findings.append(
                self.finding(
                    Severity.ERROR if hit.unambiguous else Severity.WARNING,
                    self._message(fl),
                    f"{fl.squash} at line {hit.line} feeds the loss at line {hit.loss_line} (static; the run did not reach this loss)",
                    ctx.at(hit.line),
                    self._fix(fl),
                    confirmed=False,
                    related=(ctx.at(hit.loss_line),),
                )
            )
        return findings

    def _confirmed(
        self, ctx: Context, fl: Flavour, site: LossSite, hits: list[StaticHit]
    ) -> Finding | None:
        checked = int(site["checked"])
        key = "prob_rows" if fl is SOFTMAX else "unit_interval"
        needed = 1 if hits else (3 if fl is SOFTMAX else 10)
        if site.get(key, 0) != checked or checked < needed:
            return None
        if fl is SOFTMAX:
            evidence = f"all {plural(checked, 'input')} checked at the loss were probability rows (>= 0, summing to 1)"
            classes = site.get("classes")
            train = [p["mean"] for p in ctx.get(Field.PHASES, []) if p["kind"] == "train"]
            if classes and classes > 1 and train:
                evidence += f"; mean training loss {train[-1]:.3f}, and it cannot fall below log(1+(C-1)/e) = {loss_floor(classes):.3f} for C={classes}"
        else:
            evidence = f"all {plural(checked, 'input')} checked at the loss lay in [0, 1]: sigmoid outputs, not logits; sigmoid(sigmoid(z)) stays in [0.5, 0.731]"
        loss_loc = ctx.site_location(site)
        match = [h for h in hits if h.loss_line == loss_loc.line] or hits
        if match:
            location = ctx.at(match[0].line)
        else:
            line = squash_in_forward(ctx, fl)
            sibling = None if line else squash_in_sibling_model(ctx, fl)
            location = (
                ctx.at(line)
                if line
                else sibling or (loss_loc if loss_loc.file else ctx.model_location())
            )
        related = (loss_loc,) if loss_loc.file else ()
        return self.finding(
            Severity.ERROR,
            self._message(fl),
            evidence,
            location,
            self._fix(fl),
            confirmed=True,
            related=related,
        )

    @staticmethod
    def _message(fl: Flavour) -> str:
        if fl is SOFTMAX:
            return "Softmax output is fed to CrossEntropyLoss, which applies log_softmax itself (double softmax)."
        return "Sigmoid output is fed to BCEWithLogitsLoss, which applies sigmoid itself (double sigmoid)."

    @staticmethod
    def _fix(fl: Flavour) -> str:
        if fl is SOFTMAX:
            return "Return raw logits from the model and pass them to the loss; apply softmax only when you need probabilities (printing, inference)."
        return "Remove the sigmoid from the model and keep BCEWithLogitsLoss on the raw logits; apply sigmoid only for predictions."
