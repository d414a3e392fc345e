"""`optimizer-updates-nothing`: an optimizer steps, but none of its parameters ever had a gradient.

Either everything it holds is frozen (`requires_grad=False`: the classic
fine-tuning bug of building the optimizer before unfreezing, or over the frozen
backbone only), or its parameters require grad but the loss does not depend on
them (the graph is cut by `.detach()`, `.item()`, `.data` or `torch.tensor(x)`).
Its `step()` then changes nothing. Reported at the line that built it.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule, plural

MIN_STEPS = 2


class OptimizerUpdatesNothing(Rule):
    check = "optimizer-updates-nothing"
    lesson = "autograd-basics"
    requires = (Field.OPTIMIZERS, Field.MODELS)

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.OPTIMIZERS):
            return []
        findings = []
        for opt in ctx.get(Field.OPTIMIZERS):
            if opt["steps"] < MIN_STEPS or not opt["params"] or opt["with_grad"]:
                continue
            name, n = opt["type"], opt["params"]
            if opt["frozen"] == n:
                evidence = f"all {plural(n, 'parameter tensor')} {name} holds have requires_grad=False, over {plural(opt['steps'], 'step')}"
                fix = "Build the optimizer from the parameters you mean to train, after setting requires_grad (e.g. filter(lambda p: p.requires_grad, model.parameters()) once the new head is attached)."
            else:
                evidence = f"{name} holds {plural(n, 'parameter tensor')} that require grad, and none received a gradient in {plural(opt['steps'], 'step')}: the loss does not depend on them"
                fix = "Keep the path from these parameters to the loss inside autograd: no .detach(), .item(), .data, .numpy() or torch.tensor(...) on the way."
            location = (
                Location(ctx.display_path(opt["file"]), opt["line"])
                if opt.get("line")
                else ctx.model_location()
            )
            findings.append(
                self.finding(
                    Severity.ERROR,
                    f"The {name} optimizer updates nothing: its step() never has a gradient to apply.",
                    evidence,
                    location,
                    fix,
                    confirmed=True,
                )
            )
        return findings
