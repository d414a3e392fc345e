"""`unregistered-modules`: submodules kept in a plain list or dict, invisible to `parameters()`.

Their weights are never given to the optimizer, never moved by `.to(device)`
and never saved in `state_dict()`. Use `nn.ModuleList` / `nn.ModuleDict`.
"""

from __future__ import annotations

import ast

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import Source, call_name, dotted

FIX = "Hold submodules in nn.ModuleList / nn.ModuleDict (or assign each to its own attribute) so their parameters are registered."


def _is_module_ctor(node: ast.AST, local_modules: set[str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = call_name(node)
    return (
        name.startswith(("nn.", "torch.nn.")) and name.rsplit(".", 1)[-1][:1].isupper()
    ) or name in local_modules


def static_hits(src: Source) -> list[tuple[int, str]]:
    local = set(src.classes_with_forward())
    hits = []
    for cls in src.classes_with_forward().values():
        init = next(
            (b for b in cls.body if isinstance(b, ast.FunctionDef) and b.name == "__init__"), None
        )
        if init is None:
            continue
        empty_lists: dict[str, int] = {}
        for node in ast.walk(init):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and dotted(node.targets[0]).startswith("self.")
            ):
                attr, value = dotted(node.targets[0]), node.value
                elts: list[ast.AST] = []
                if isinstance(value, (ast.List, ast.Tuple)):
                    elts = list(value.elts)
                    if not elts:
                        empty_lists[attr] = node.lineno
                elif isinstance(value, ast.Dict):
                    elts = [v for v in value.values if v is not None]
                elif isinstance(value, ast.ListComp):
                    elts = [value.elt]
                if any(_is_module_ctor(e, local) for e in elts):
                    hits.append((node.lineno, attr))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"append", "extend"}
            ):
                owner = dotted(node.func.value)
                if owner in empty_lists and node.args and _is_module_ctor(node.args[0], local):
                    hits.append((empty_lists.pop(owner), owner))
    return hits


class UnregisteredModules(Rule):
    check = "unregistered-modules"
    lesson = "residual-connections"
    requires = (
        Event.UNREGISTERED_MODULE,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        sites = ctx.sites(Event.UNREGISTERED_MODULE)
        message = "Submodules are kept in a plain Python list/dict, so their parameters are not registered (never trained, never moved to the GPU)."
        if sites:
            site = sites[0]
            n = sum(s.get("params", 0) for s in sites)
            evidence = f"{site.get('model')}'s forward called {plural(len(sites), 'module')} ({site.get('type')}…) holding {n:,} parameters that are not in {site.get('model')}.parameters()"
            location = ctx.at(hits[0][0]) if hits else ctx.site_location(site)
            return [self.finding(Severity.ERROR, message, evidence, location, FIX, confirmed=True)]
        if ctx.models() and ctx.status == "completed":
            return []  # the run watched the models' forwards and every called module was registered
        return [
            self.finding(
                Severity.WARNING,
                message,
                f"{attr} at line {line} holds modules in a plain container (static)",
                ctx.at(line),
                FIX,
                confirmed=False,
            )
            for line, attr in hits[:1]
        ]
