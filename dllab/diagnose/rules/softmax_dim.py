"""`softmax-dim`: softmax / log_softmax without `dim`.

PyTorch then guesses: dim 0 for 0-, 1- and 3-D inputs, so a `(batch, seq,
classes)` tensor is normalised over the batch, silently. Error when the run saw
such an input; info when every input was 2-D (the guess is right, but deprecated).
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event
from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.static import Source, call_name, last

FIX = "Pass the class dimension explicitly: F.softmax(x, dim=-1) / nn.Softmax(dim=1)."


def static_hits(src: Source) -> list[int]:
    hits = []
    for call in src.calls():
        name = call_name(call)
        if name.startswith("."):
            continue
        if (
            last(name) in {"softmax", "log_softmax"}
            and len(call.args) < 2
            and not any(k.arg == "dim" for k in call.keywords)
            and not name.startswith("torch.")
        ) or (
            last(name) in {"Softmax", "LogSoftmax", "Softmin"}
            and not call.args
            and not any(k.arg == "dim" for k in call.keywords)
        ):
            hits.append(call.lineno)
    return hits


class SoftmaxDim(Rule):
    check = "softmax-dim"
    lesson = "logits-not-probabilities"
    requires = (Event.IMPLICIT_SOFTMAX_DIM,)

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        sites = ctx.sites(Event.IMPLICIT_SOFTMAX_DIM)
        bad = [s for s in sites if s.get("ndim") in (0, 1, 3)]
        lines = hits or [int(s["line"]) for s in (bad or sites)]
        if not lines:
            return []
        if bad:
            severity, confirmed = Severity.ERROR, True
            evidence = f"the run passed a {bad[0]['ndim']}-D tensor, so the implicit dim was 0: probabilities sum to 1 over the batch, not the classes"
        elif sites:
            severity, confirmed = Severity.INFO, True
            evidence = "every input seen was 2-D, so PyTorch picked dim=1 (right here, but deprecated and fragile)"
        else:
            severity, confirmed = Severity.WARNING, False
            evidence = "no dim given; PyTorch picks dim 0 for 1-D and 3-D inputs (static)"
        return [
            self.finding(
                severity,
                "softmax without an explicit dim.",
                evidence,
                ctx.at(lines[0]),
                FIX,
                confirmed=confirmed,
            )
        ]
