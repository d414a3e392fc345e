"""`frozen-parameters`: parameters that receive gradients but no optimizer ever updates.

Typical cause: the optimizer was built from part of the model (or before a new
head was attached). Deliberately frozen layers (`requires_grad=False`) get no
gradient and are never reported.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.rules._base import Context, Rule


class FrozenParameters(Rule):
    check = "frozen-parameters"
    lesson = "learning-rate"
    requires = ("untrained_params",)

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx):
            return []
        findings = []
        unregistered = {s.get("model") for s in ctx.sites("unregistered_module")}
        for item in ctx.obs["untrained_params"]:
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
