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
from dllab.diagnose.rules.frozen_parameters import attribute, owning_modules, rebuild_fix

MIN_STEPS = 2


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
            outside, modules = "", []
            if untrained:
                first = untrained[0]
                modules = owning_modules(first["params"])
                outside = (
                    f"; meanwhile {', '.join(first['params'][:2])} of {first['model']} had gradients that no optimizer applied: "
                    f"{', '.join(attribute(first['model'], m) for m in modules[:3])} trains nothing"
                )
            lesson = "transfer-learning"
            stale = opt.get("stale") or 0
            if opt["frozen"] == n or (stale and untrained and opt["frozen"] + stale >= n):
                kinds = []
                if opt["frozen"]:
                    kinds.append(f"{opt['frozen']:,} have requires_grad=False")
                if stale:
                    kinds.append(
                        f"{stale:,} are no longer part of the model (a module replaced after the optimizer was built)"
                    )
                evidence = f"{name} holds {plural(n, 'parameter tensor')} and none got a gradient in {steps}: {', '.join(kinds)}{outside}"
                fix = rebuild_fix(opt, modules)
            elif stale and untrained:
                evidence = f"{name} holds {plural(n, 'parameter tensor')} and none got a gradient in {steps}: {stale:,} of them are no longer part of the model (a module replaced after the optimizer was built){outside}"
                fix = rebuild_fix(opt, modules)
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
