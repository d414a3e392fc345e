"""`clip-after-step`: gradient clipping after `optimizer.step()`, so it clips nothing that is used."""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Event
from dllab.diagnose.rules._base import Context, Rule, plural
from dllab.diagnose.static import Source, call_name, last

CLIPS = {"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm"}
FIX = "Clip between loss.backward() and optimizer.step() (with AMP, after scaler.unscale_(optimizer))."


def static_hits(src: Source) -> list[int]:
    opts = src.optimizer_names()
    hits = []
    for loop in src.loops():
        calls = sorted(src.calls(loop), key=lambda c: (c.lineno, c.col_offset))
        events = []
        for c in calls:
            if last(call_name(c)) in CLIPS:
                events.append(("clip", c.lineno))
            elif src.is_optimizer_step(c, opts):
                events.append(("step", c.lineno))
            elif last(call_name(c)) == "backward":
                events.append(("backward", c.lineno))
        state = ""
        clipped_before_step = False
        for kind, line in events:
            if kind == "backward":
                state, clipped_before_step = "backward", False
            elif kind == "clip":
                if state == "step" and not clipped_before_step and line not in hits:
                    hits.append(line)
                clipped_before_step = state == "backward"
            else:
                state = "step"
    return hits


class ClipAfterStep(Rule):
    check = "clip-after-step"
    lesson = "gradient-clipping"
    requires = (
        Event.CLIP_AFTER_STEP,
        Event.CLIP,
    )

    def run(self, ctx: Context) -> list[Finding]:
        hits = static_hits(ctx.source) if ctx.source else []
        sites = ctx.sites(Event.CLIP_AFTER_STEP)
        message = "Gradients are clipped after optimizer.step(): the step already used the unclipped gradients."
        if sites:
            site = sites[0]
            return [
                self.finding(
                    Severity.ERROR,
                    message,
                    f"{plural(site['count'], 'clip call')} ran right after an optimizer step, before any new backward()",
                    ctx.site_location(site),
                    FIX,
                    confirmed=True,
                )
            ]
        if ctx.sites(Event.CLIP):
            return []  # the run saw clipping in the right place
        return [
            self.finding(
                Severity.WARNING,
                message,
                f"clip at line {line} follows step() in the loop (static)",
                ctx.at(line),
                FIX,
                confirmed=False,
            )
            for line in hits[:1]
        ]
