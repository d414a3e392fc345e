"""`frozen-parameters`: parameters that receive gradients but no optimizer ever updates.

Typical cause: the optimizer was built before a new head was attached (it holds
the old head, or the frozen backbone) or from part of the model. When an
optimizer that stepped holds tensors that never got a gradient, frozen ones or
ones no longer in the model, it was given the wrong parameters: an error at the
line that built it. Otherwise (an optimizer over part of the model, which can be
deliberate) a warning at the model. Deliberately frozen layers
(`requires_grad=False`) get no gradient and are never reported.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Event, Field, OptimizerInfo
from dllab.diagnose.rules._base import Context, Rule, plural


def owning_modules(params: list[str]) -> list[str]:
    """The submodules (qualified names, first-seen order) that hold these parameter names."""
    return list(dict.fromkeys(n.rsplit(".", 1)[0] if "." in n else "(top level)" for n in params))


def attribute(owner: str, module: str) -> str:
    """`fc` -> `model.fc`, `features.3` -> `model.features[3]` (how the code reaches it)."""
    parts = [f"[{p}]" if p.isdigit() else f".{p}" for p in module.split(".")]
    return owner + "".join(parts)


def rebuild_fix(opt: OptimizerInfo | None, modules: list[str]) -> str:
    """Build the optimizer once `modules` are attached, from what trains, as the user's own call."""
    what = " and ".join(attribute("model", m) for m in modules[:2]) if modules else "the new head"
    call = f"torch.optim.{opt['type']}" if opt else "torch.optim.Adam"
    lr = f"lr={float(opt['lr']):g}" if opt and opt.get("lr") is not None else "lr=..."  # type: ignore[arg-type]
    return (
        f"Build the optimizer after {what} is attached, over the parameters that train: "
        f"{call}(filter(lambda p: p.requires_grad, model.parameters()), {lr}); "
        "or give each part its own parameter group."
    )


def wrong_parameters(optimizers: list[OptimizerInfo]) -> OptimizerInfo | None:
    """An optimizer that stepped holding frozen or stale tensors that never got a gradient."""
    for opt in optimizers:
        if not opt["steps"] or opt["with_grad"] >= opt["params"]:
            continue
        if opt["frozen"] or opt.get("stale"):
            return opt
    return None


class FrozenParameters(Rule):
    check = "frozen-parameters"
    lesson = "transfer-learning"
    requires = (
        Field.UNTRAINED_PARAMS,
        Event.UNREGISTERED_MODULE,
        Field.MODELS,
        Field.OPTIMIZERS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.UNTRAINED_PARAMS):
            return []
        findings = []
        unregistered = {s.get("model") for s in ctx.sites(Event.UNREGISTERED_MODULE)}
        culprit = wrong_parameters(ctx.get(Field.OPTIMIZERS) or [])
        for item in ctx.get(Field.UNTRAINED_PARAMS):
            if item["model"] in unregistered:
                continue
            names = ", ".join(item["params"][:4]) + ("…" if len(item["params"]) > 4 else "")
            evidence = f"{names} ({item['numel']:,} values) had gradients, and no optimizer that stepped holds them"
            if culprit is not None and culprit.get("line"):
                no_grad = culprit["params"] - culprit["with_grad"]
                kinds = []
                if culprit["frozen"]:
                    kinds.append(f"{plural(culprit['frozen'], 'frozen tensor')}")
                if culprit.get("stale"):
                    kinds.append(f"{plural(culprit['stale'], 'tensor')} no longer in the model")
                modules = owning_modules(item["params"])
                held = (
                    f"the {culprit['type']} built here holds {plural(culprit['params'], 'tensor')}"
                )
                got = (
                    " and none got a gradient"
                    if not culprit["with_grad"]
                    else f", {culprit['with_grad']:,} of which got a gradient; {no_grad:,} never did"
                )
                trains = ", ".join(attribute(item["model"], m) for m in modules[:3])
                evidence += f"; {held}{got}: {', '.join(kinds)}; {trains} trains nothing"
                severity = Severity.ERROR
                location = Location(ctx.display_path(culprit["file"]), culprit["line"])
                fix = rebuild_fix(culprit, modules)
            else:
                severity = Severity.WARNING
                stepped = [o for o in ctx.get(Field.OPTIMIZERS) or [] if o["steps"]]
                location = (
                    Location(ctx.display_path(stepped[0]["file"]), stepped[0]["line"])
                    if len(stepped) == 1 and stepped[0].get("line")
                    else ctx.model_location(item["model"])
                )
                fix = "Build the optimizer from model.parameters() after the model is complete (or add the missing parameter group); set requires_grad=False for layers you mean to freeze."
            findings.append(
                self.finding(
                    severity,
                    f"Some parameters of {item['model']} get gradients but are in no optimizer: they never train.",
                    evidence,
                    location,
                    fix,
                    confirmed=True,
                )
            )
        return findings
