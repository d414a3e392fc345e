"""`nll-probabilities`: softmax probabilities fed to NLLLoss, which expects log-probabilities.

`NLLLoss` just picks `-input[target]`: with probabilities the "loss" lies in
[-1, 0], is negative, and its gradient is weak. `log_softmax` + `NLLLoss` (or
`CrossEntropyLoss` on logits) is the correct pair and is never reported.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Field
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.rules.double_softmax import Flavour, squash_in_forward, static_hits

NLL = Flavour("softmax", "Softmax", ("NLLLoss",), ("nll_loss",), "nll_loss")
MESSAGE = "Softmax probabilities are fed to NLLLoss, which expects log-probabilities."
FIX = (
    "Use log_softmax instead of softmax before NLLLoss (or return logits and use CrossEntropyLoss)."
)


class NllProbabilities(Rule):
    check = "nll-probabilities"
    lesson = "logits-not-probabilities"
    requires = (
        Field.LOSSES,
        Field.PHASES,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source, NLL) if ctx.source else []
        sites = [s for s in ctx.losses("nll_loss") if s.get("checked", 0) > 0]
        if sites:
            findings = []
            for site in sites:
                checked = int(site["checked"])
                if site.get("prob_rows", 0) != checked or checked < (1 if hits else 3):
                    continue
                train = [p["mean"] for p in ctx.get(Field.PHASES, []) if p["kind"] == "train"]
                evidence = f"all {plural(checked, 'input')} checked at the loss were probability rows (>= 0, summing to 1), not log-probabilities"
                if train:
                    evidence += f"; mean training loss {train[-1]:.3f} (NLLLoss on probabilities lies in [-1, 0])"
                loss_loc = ctx.site_location(site)
                line = hits[0].line if hits else squash_in_forward(ctx, NLL)
                location = ctx.at(line) if line else loss_loc
                findings.append(
                    self.finding(
                        Severity.ERROR,
                        MESSAGE,
                        evidence,
                        location,
                        FIX,
                        confirmed=True,
                        related=(loss_loc,) if loss_loc.file else (),
                    )
                )
            return findings
        return [
            self.finding(
                Severity.ERROR if hit.unambiguous else Severity.WARNING,
                MESSAGE,
                f"softmax at line {hit.line} feeds NLLLoss at line {hit.loss_line} (static; the run did not reach this loss)",
                ctx.at(hit.line),
                FIX,
                confirmed=False,
            )
            for hit in hits[:1]
        ]
