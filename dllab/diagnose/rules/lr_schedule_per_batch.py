"""`lr-schedule-per-batch`: an epoch-sized LR schedule stepped after every batch.

`StepLR(step_size=30)` or `ExponentialLR(gamma=0.9)` are written in epochs; a
`scheduler.step()` inside the batch loop applies them per batch, and the
learning rate is ~0 after a few epochs' worth of batches. Reported from what
the run did, not from the code's shape: the scheduler stepped with (nearly)
every optimizer step, and the learning rate fell below 1% of its start within
the first quarter of the run's steps, so at least three quarters of the run
trained at under 1% of the intended rate. Schedules sized in batches (OneCycleLR,
a cosine with T_max = all steps) reach their low only at the end and are never
reported.
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Field, OptimizerInfo, SchedulerInfo
from dllab.diagnose.rules._base import Context, Rule

MIN_STEPS = 100
"""Runs shorter than this say too little about a schedule."""
PER_BATCH = 0.9
"""Scheduler steps per optimizer step at or above which it is stepped every batch."""
EARLY = 0.25
"""The learning rate must reach 1% of its start within this share of the run."""


class LrSchedulePerBatch(Rule):
    check = "lr-schedule-per-batch"
    lesson = "learning-rate"
    requires = (Field.OPTIMIZERS,)

    def run(self, ctx: Context) -> list[Finding]:
        if not self.has_data(ctx, Field.OPTIMIZERS):
            return []
        findings = []
        for opt in ctx.get(Field.OPTIMIZERS, []):
            found = self._one(ctx, opt)
            if found is not None:
                findings.append(found)
        return findings

    def _one(self, ctx: Context, opt: OptimizerInfo) -> Finding | None:
        steps, low = int(opt.get("steps") or 0), opt.get("lr_low_step")
        start, last = opt.get("lr_start"), opt.get("lr_last")
        if steps < MIN_STEPS or low is None or start is None or low > EARLY * steps:
            return None
        per_batch = [s for s in opt.get("schedulers", []) if s["steps"] >= PER_BATCH * steps]
        if not per_batch:
            return None
        sched = per_batch[0]
        evidence = (
            f"{sched['type']}.step() ran {sched['steps']:,} times for {opt['type']}'s {steps:,} optimizer steps "
            f"(once per batch); the learning rate fell from {start:g} to under 1% of it by step {low:,} of {steps:,} "
            f"({low / steps:.0%} of the run) and ended at {last:.3g}"
        )
        return self.finding(
            Severity.WARNING,
            f"The learning rate schedule ({sched['type']}) is stepped every batch: the rate is ~0 for most of the run.",
            evidence,
            self._location(ctx, sched),
            self._fix(sched, low),
            confirmed=True,
            related=(Location(ctx.display_path(sched["file"]), sched["line"]),)
            if sched.get("line")
            else (),
        )

    @staticmethod
    def _location(ctx: Context, sched: SchedulerInfo) -> Location:
        if sched.get("step_line"):
            return Location(ctx.display_path(sched["step_file"]), sched["step_line"])
        return Location(ctx.display_path(sched["file"]), sched["line"])

    @staticmethod
    def _fix(sched: SchedulerInfo, low: int) -> str:
        fix = "Call scheduler.step() once per epoch, after the batch loop"
        if sched.get("step_size"):
            fix += f", or give step_size in batches (now {sched['step_size']}: multiply by the batches per epoch)"
        elif sched.get("gamma") is not None:
            fix += f", or a per-batch gamma: {sched['gamma']:g} ** (1 / batches per epoch)"
        return (
            fix
            + "; schedules meant per batch (OneCycleLR, CosineAnnealingLR) take the run's total steps."
        )
