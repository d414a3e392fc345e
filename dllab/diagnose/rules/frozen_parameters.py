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
                evidence += f"; the {culprit['type']} built here holds {plural(no_grad, 'tensor')} that never got a gradient ({', '.join(kinds)})"
                severity = Severity.ERROR
                location = Location(ctx.display_path(culprit["file"]), culprit["line"])
                fix = "Attach the new head before building the optimizer, then give it the parameters that train: filter(lambda p: p.requires_grad, model.parameters()), or one parameter group per part with its own lr."
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
