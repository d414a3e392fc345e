"""`missing-train`: training steps taken after evaluation left Dropout/BatchNorm in eval mode."""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.observations import Counter, Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural


class MissingTrain(Rule):
    check = "missing-train"
    lesson = "train-eval-modes"
    requires = (
        Field.COUNTERS,
        Counter.STEPS_AFTER_EVAL_MODE,
        Event.STEP,
        Field.MODELS,
    )

    def run(self, ctx: Context) -> list[Finding]:
        n = ctx.counter(Counter.STEPS_AFTER_EVAL_MODE)
        if not self.has_data(ctx, Field.COUNTERS) or n == 0:
            return []
        steps = ctx.sites(Event.STEP)
        location = ctx.site_location(steps[0]) if steps else ctx.model_location()
        return [
            self.finding(
                Severity.ERROR,
                "Training continues in eval mode after an evaluation: Dropout is off and BatchNorm statistics are frozen.",
                f"{plural(n, 'optimizer step')} ran with the model's Dropout/BatchNorm modules in eval mode after earlier steps ran in training mode",
                location,
                "Call model.train() at the start of every training epoch (after each evaluation).",
                confirmed=True,
            )
        ]
