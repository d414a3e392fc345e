"""`optimizer-updates-nothing`: an optimizer steps, but none of its parameters ever had a gradient.

Three causes, told apart by the run:

- everything it holds is frozen (`requires_grad=False`): the fine-tuning bug of
  building the optimizer over the frozen model, before the new head exists;
- it holds tensors that are no longer part of the model (a head replaced after
  the optimizer was built) while the model's new parameters get gradients that
  no optimizer applies;
- its parameters require grad but the loss does not depend on them (the graph
  is cut by `.detach()`, `.item()`, `.data` or `torch.tensor(x)`).

Its `step()` changes nothing. Reported at the line that built it.
"""

from __future__ import annotations

from dataclasses import replace

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule, plural

MIN_STEPS = 2
REBUILD_FIX = (
    "Attach the new head first, then build the optimizer over what should train: "
    "torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=...)."
)


class OptimizerUpdatesNothing(Rule):
    check = "optimizer-updates-nothing"
    lesson = "autograd-basics"
    requires = (Field.OPTIMIZERS, Field.MODELS, Field.UNTRAINED_PARAMS)

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.OPTIMIZERS):
            return []
        untrained = ctx.get(Field.UNTRAINED_PARAMS) or []
        findings = []
        for opt in ctx.get(Field.OPTIMIZERS):
            if opt["steps"] < MIN_STEPS or not opt["params"] or opt["with_grad"]:
                continue
            name, n, steps = opt["type"], opt["params"], plural(opt["steps"], "step")
            outside = ""
            if untrained:
                first = untrained[0]
                outside = f"; meanwhile {', '.join(first['params'][:2])} of {first['model']} had gradients that no optimizer applied"
            lesson = "transfer-learning"
            if opt["frozen"] == n:
                evidence = f"all {plural(n, 'parameter tensor')} {name} holds have requires_grad=False, over {steps}{outside}"
                fix = REBUILD_FIX
            elif opt.get("stale") and untrained:
                which = (
                    f"all {plural(n, 'parameter tensor')}"
                    if opt["stale"] == n
                    else f"{opt['stale']:,} of the {plural(n, 'parameter tensor')}"
                )
                evidence = f"{which} {name} holds are no longer part of the model (a module replaced after the optimizer was built) and never got a gradient in {steps}{outside}"
                fix = REBUILD_FIX
            else:
                evidence = f"{name} holds {plural(n, 'parameter tensor')} that require grad, and none received a gradient in {steps}: the loss does not depend on them"
                fix = "Keep the path from these parameters to the loss inside autograd: no .detach(), .item(), .data, .numpy() or torch.tensor(...) on the way."
                lesson = self.lesson
            location = (
                Location(ctx.display_path(opt["file"]), opt["line"])
                if opt.get("line")
                else ctx.model_location()
            )
            finding = self.finding(
                Severity.ERROR,
                f"The {name} optimizer updates nothing: its step() never has a gradient to apply.",
                evidence,
                location,
                fix,
                confirmed=True,
            )
            findings.append(replace(finding, lesson=lesson))
        return findings
