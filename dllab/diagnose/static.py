"""The static half of `dllab diagnose`: the user's script as an AST, with helpers the rules share.

Nothing here executes the user's code. Each rule in `rules/` matches its own
pattern with these helpers and reports the line it found.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dllab.errors import ScriptLoadError

EVAL_NAME = re.compile(
    r"(^|_)(val|valid|validate|validation|eval|evaluate|evaluation|test|testing|predict|inference)(_|$)",
    re.IGNORECASE,
)
"""Function names that mean evaluation (`evaluate`, `run_validation`, `test_epoch`…)."""

NO_GRAD_CALLS = {"no_grad", "inference_mode"}
OPTIMIZER_CLASSES = {
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "LBFGS",
    "SparseAdam",
    "ASGD",
    "Rprop",
    "Adafactor",
}
MODE_LAYERS = re.compile(
    r"\b(Dropout[123]?d?|AlphaDropout|FeatureAlphaDropout|BatchNorm[123]d|SyncBatchNorm|LazyBatchNorm[123]d|dropout)\b"
)


def dotted(node: ast.AST) -> str:
    """`torch.nn.functional.softmax` for a Name/Attribute chain; `.softmax` when the base is an expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base and not base.startswith(".") else f".{node.attr}"
    return ""


def call_name(node: ast.AST) -> str:
    """The dotted name of a call's function, or "" when `node` is not a call."""
    return dotted(node.func) if isinstance(node, ast.Call) else ""


def last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def target_names(target: ast.AST) -> list[str]:
    """Names bound by an assignment target (`a`, `self.a`, `(a, (b, c))`)."""
    if isinstance(target, (ast.Name, ast.Attribute)):
        return [dotted(target)]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in target_names(elt)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []


@dataclass
class Source:
    """A parsed script and the indexes the rules need."""

    path: str
    text: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    @classmethod
    def parse(cls, path: str, text: str) -> Source:
        """Parse `text`; a syntax error becomes `ScriptLoadError` with the line."""
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError as exc:
            raise ScriptLoadError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
        src = cls(path, text, tree)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                src.parents[child] = node
        return src

    # -- navigation ---------------------------------------------------------------

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            yield node

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for anc in self.ancestors(node):
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return anc
        return None

    def scope_of(self, node: ast.AST) -> ast.AST:
        """The enclosing function, or the module."""
        return self.function_of(node) or self.tree

    def calls(self, root: ast.AST | None = None) -> Iterator[ast.Call]:
        for node in ast.walk(root or self.tree):
            if isinstance(node, ast.Call):
                yield node

    def loops(self) -> Iterator[ast.For | ast.While | ast.AsyncFor]:
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
                yield node

    def in_no_grad(self, node: ast.AST) -> bool:
        """Inside `with torch.no_grad()` / `inference_mode()` or a function decorated with them."""
        for anc in self.ancestors(node):
            if isinstance(anc, (ast.With, ast.AsyncWith)) and any(
                last(call_name(item.context_expr)) in NO_GRAD_CALLS for item in anc.items
            ):
                return True
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in anc.decorator_list:
                    name = call_name(dec) or dotted(dec)
                    if last(name) in NO_GRAD_CALLS:
                        return True
        return False

    def innermost_loop(self, node: ast.AST) -> ast.AST | None:
        for anc in self.ancestors(node):
            if isinstance(anc, (ast.For, ast.While, ast.AsyncFor)):
                return anc
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return None
        return None

    # -- common facts -------------------------------------------------------------

    def method_calls(self, method: str, root: ast.AST | None = None) -> list[ast.Call]:
        """Calls of `<anything>.method(...)` (e.g. `backward`, `zero_grad`)."""
        return [
            c
            for c in self.calls(root)
            if isinstance(c.func, ast.Attribute) and c.func.attr == method
        ]

    def bound_to_call(self, predicate: Callable[[str], bool]) -> dict[str, int]:
        """Names (`x`, `self.x`) assigned from a call whose name satisfies `predicate` -> line."""
        found: dict[str, int] = {}
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and predicate(call_name(node.value))
            ):
                for target in node.targets:
                    for name in target_names(target):
                        found.setdefault(name, node.lineno)
        return found

    def optimizer_names(self) -> set[str]:
        names = set(self.bound_to_call(lambda n: last(n) in OPTIMIZER_CLASSES))
        return names | {n.split(".")[-1] for n in names}

    def is_optimizer_step(self, call: ast.Call, optimizers: set[str]) -> bool:
        """`opt.step()` / `self.optimizer.step()` / `scaler.step(opt)`, not `scheduler.step()`."""
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "step"):
            return False
        owner = dotted(call.func.value)
        tail = last(owner).lower()
        if "sched" in tail or tail in {"lr", "env"}:
            return False
        return owner in optimizers or last(owner) in optimizers or "opt" in tail or "scaler" in tail

    def has_mode_layers(self) -> bool:
        """Does the script build Dropout or BatchNorm layers (or call F.dropout)?"""
        return bool(MODE_LAYERS.search(self.text))

    def calls_eval_mode(self) -> bool:
        """Is `.eval()` or `.train(False)` called anywhere?"""
        for call in self.calls():
            if isinstance(call.func, ast.Attribute):
                if call.func.attr == "eval" and not call.args:
                    return True
                if call.func.attr == "train" and (
                    (
                        call.args
                        and isinstance(call.args[0], ast.Constant)
                        and call.args[0].value in (False, 0)
                    )
                    or any(
                        k.arg == "mode" and isinstance(k.value, ast.Constant) and not k.value.value
                        for k in call.keywords
                    )
                    or (call.args and not isinstance(call.args[0], ast.Constant))
                ):
                    return True
        return False

    def class_attr_lines(self) -> dict[str, dict[str, int]]:
        """class name -> {attribute assigned as `self.attr = …` in its methods: line}."""
        result: dict[str, dict[str, int]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef):
                attrs: dict[str, int] = {}
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Assign, ast.AnnAssign)):
                        targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                        for t in targets:
                            if (
                                isinstance(t, ast.Attribute)
                                and isinstance(t.value, ast.Name)
                                and t.value.id == "self"
                            ):
                                attrs.setdefault(t.attr, sub.lineno)
                result[node.name] = attrs
        return result

    def classes_with_forward(self) -> dict[str, ast.ClassDef]:
        return {
            node.name: node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.ClassDef)
            and any(isinstance(b, ast.FunctionDef) and b.name == "forward" for b in node.body)
        }

    def last_assignment(self, name: str, before: ast.AST) -> ast.expr | None:
        """The value last assigned to `name` above `before` in the same scope (by line)."""
        scope = self.scope_of(before)
        best: tuple[int, ast.expr] | None = None
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and node.lineno < getattr(before, "lineno", 0):
                for target in node.targets:
                    if (
                        name in target_names(target)
                        and isinstance(target, (ast.Name, ast.Attribute))
                        and (best is None or node.lineno >= best[0])
                    ):
                        best = (node.lineno, node.value)
        return best[1] if best else None

    def sequential_element_line(self, children: list[str], index: int) -> int | None:
        """Line of element `index` of the one `nn.Sequential(...)` call with as many elements as `children`."""
        matches = [
            c
            for c in self.calls()
            if last(call_name(c)) == "Sequential"
            and len(c.args) == len(children)
            and not any(isinstance(a, ast.Starred) for a in c.args)
        ]
        if len(matches) != 1 or index >= len(matches[0].args):
            return None
        return matches[0].args[index].lineno

    def model_names(self) -> set[str]:
        """Names bound to models: instances of the script's nn.Module classes, `nn.Sequential`, torchvision models."""
        classes = set(self.classes_with_forward())

        def is_model(name: str) -> bool:
            tail = last(name)
            return (
                tail in classes
                or tail in {"Sequential", "ModuleList"}
                or ".models." in f".{name}."
                or name.startswith("models.")
            )

        names = set(self.bound_to_call(is_model))
        return names | {"model", "net", "self.model", "self.net", "network", "self.network"}
