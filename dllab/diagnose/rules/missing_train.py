"""`missing-train`: training steps taken after evaluation left Dropout/BatchNorm in eval mode."""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Counter, Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural


class MissingTrain(Rule):
    check = "missing-train"
    lesson = "train-eval-modes"
    requires = (
        Field.COUNTERS,
        Counter.STEPS_AFTER_EVAL_MODE,
        Event.STEP,
        Event.EVAL_LEFT_ON,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        n = ctx.counter(Counter.STEPS_AFTER_EVAL_MODE)
        if not self.has_data(ctx, Field.COUNTERS) or n == 0:
            return []
        steps = ctx.sites(Event.STEP)
        step = ctx.site_location(steps[0]) if steps else ctx.model_location()
        evidence = f"{plural(n, 'optimizer step')} ran with the model's Dropout/BatchNorm modules in eval mode after earlier steps ran in training mode"
        # The line to look at is the eval() call that left the model in eval mode (the
        # cause); the step only shows it. Unknown when the mode was set otherwise (`.training = False`).
        calls = ctx.sites(Event.EVAL_LEFT_ON)
        related: tuple[Location, ...] = ()
        location = step
        if calls:
            call = max(calls, key=lambda c: c.get("count", 0))
            location = ctx.site_location(call)
            related = (step,) if step.line else ()
            evidence += f"; the eval() at line {location.line} put it in eval mode and no train() followed before the next step"
            if step.line:
                evidence += f" (line {step.line})"
        return [
            self.finding(
                Severity.ERROR,
                "Training continues in eval mode after an evaluation: Dropout is off and BatchNorm statistics are frozen.",
                evidence,
                location,
                "Call model.train() at the start of every training epoch (after each evaluation).",
                confirmed=True,
                related=related,
            )
        ]
