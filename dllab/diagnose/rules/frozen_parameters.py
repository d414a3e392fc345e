"""`frozen-parameters`: parameters that receive gradients but no optimizer ever updates.

Typical cause: the optimizer was built from part of the model (or before a new
head was attached). Deliberately frozen layers (`requires_grad=False`) get no
gradient and are never reported.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule


class FrozenParameters(Rule):
    check = "frozen-parameters"
    lesson = "learning-rate"
    requires = (
        Field.UNTRAINED_PARAMS,
        Event.UNREGISTERED_MODULE,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.UNTRAINED_PARAMS):
            return []
        findings = []
        unregistered = {s.get("model") for s in ctx.sites(Event.UNREGISTERED_MODULE)}
        for item in ctx.get(Field.UNTRAINED_PARAMS):
            if item["model"] in unregistered:
                continue
            names = ", ".join(item["params"][:4]) + ("…" if len(item["params"]) > 4 else "")
            findings.append(
                self.finding(
                    Severity.WARNING,
                    f"Some parameters of {item['model']} get gradients but are in no optimizer: they never train.",
                    f"{names} ({item['numel']:,} values) had gradients, and no optimizer that stepped holds them",
                    ctx.model_location(item["model"]),
                    "Build the optimizer from model.parameters() after the model is complete (or add the missing parameter group); set requires_grad=False for layers you mean to freeze.",
                    confirmed=True,
                )
            )
        return findings
