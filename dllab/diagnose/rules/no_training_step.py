"""`no-training-step`: the script ran to its end and no optimizer ever stepped.

dllab's run-time checks watch `optimizer.step()`; a script without one trained
nothing that dllab could see: hand-written `p.data -= lr * p.grad` updates, a
loop over an empty DataLoader, an epoch count of 0, a DDP launcher that spawned
no worker. The report's status is `no-steps` (not a pass), and this finding
says what the run did instead.

`backward()` without an optimizer is how pytorch/examples' word_language_model
and regression train (`p.data.add_(p.grad, alpha=-lr)`): correct code that
dllab cannot check, so an info that says so, not a claim that nothing trained.
A torch.optim optimizer that was built and never stepped is the bug (warning).
"""

from __future__ import annotations

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import Event, Field
from dllab.diagnose.rules._base import Context, Rule, plural


class NoTrainingStep(Rule):
    check = "no-training-step"
    lesson = "autograd-basics"
    requires = (
        Field.STEPS,
        Field.BACKWARDS,
        Field.LOSSES,
        Field.MODELS,
        Field.OPTIMIZERS,
        Event.BACKWARD,
    )

    def run(self, ctx: Context) -> list[Finding]:
        if ctx.status != "no-steps":
            return []
        backwards = int(ctx.get(Field.BACKWARDS, 0))
        losses = ctx.losses()
        calls = ctx.sites(Event.BACKWARD)
        built = [o for o in ctx.get(Field.OPTIMIZERS, []) if o.get("line")]
        if backwards and built:
            where = f"{ctx.display_path(built[0]['file'])}:{built[0]['line']}"
            title = "No optimizer step ran: nothing was trained."
            evidence = f"{plural(backwards, 'backward() call')} and no optimizer.step(), although an optimizer was built at {where}: the gradients were computed and never applied"
            fix = "Call opt.step() after loss.backward() in the training loop (and opt.zero_grad() before the next backward())."
            severity = Severity.WARNING
            location = ctx.site_location(calls[0]) if calls else ctx.at(None)
        elif backwards:
            title = "No optimizer step ran: hand-written updates are not diagnosed."
            evidence = f"{plural(backwards, 'backward() call')} and no torch.optim optimizer: the weights were updated by hand, if at all, which dllab does not watch"
            fix = "To have gradients and updates checked, update through a torch.optim optimizer (e.g. torch.optim.SGD(model.parameters(), lr) and opt.step() after loss.backward())."
            severity = Severity.INFO
            location = ctx.site_location(calls[0]) if calls else ctx.at(None)
        else:
            seen = (
                f"{plural(sum(s['count'] for s in losses), 'loss call')}"
                if losses
                else "no loss call"
            )
            evidence = f"no optimizer.step() and no backward() ran ({seen}, {plural(len(ctx.models()), 'model')} called): the training loop never ran"
            fix = "Check that the training loop runs: an epoch count of 0, an empty dataset or DataLoader (drop_last with too few samples), or workers that were never started."
            title = "No optimizer step ran: nothing was trained."
            severity = Severity.ERROR
            location = (
                Location(ctx.display_path(built[0]["file"]), built[0]["line"])
                if built
                else ctx.site_location(losses[0])
                if losses
                else ctx.model_location()
            )
        return [
            self.finding(
                severity,
                title,
                evidence,
                location,
                fix,
                confirmed=True,
            )
        ]
