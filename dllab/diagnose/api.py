"""`diagnose_file`: the one function the CLI, the lab and lesson checks call.

Importable without torch: torch runs only in the child process.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.observations import DeadLayer, Field
from dllab.diagnose.report import Report
from dllab.diagnose.runner import ChildConfig, Progress, RunResult, run_child
from dllab.diagnose.static import Source
from dllab.errors import ScriptLoadError

if TYPE_CHECKING:
    from dllab.diagnose.rules import Context

DEFAULT_MAX_STEPS: int | None = None
"""By default the script runs to its end: overfitting and late blow-ups show only there."""
DEFAULT_TIME_LIMIT = 1800.0
"""Generous enough for a real training run (diagnose adds 1-18% to one on the benchmarks)."""
QUICK_MAX_STEPS = 300
"""`--quick`: the first steps only (most code bugs show within them)."""
QUICK_TIME_LIMIT = 60.0
REPORT_FIELDS = frozenset(
    {Field.OUTCOME, Field.NOTES, Field.STEPS, Field.MODELS, Field.GRAD_NORMS, Field.DEAD_UNITS}
)
"""The observations the report reads itself (status, notes, charts), besides the rules' `requires`."""


def diagnose_file(
    path: str | os.PathLike[str],
    *,
    args: Sequence[str] = (),
    max_steps: int | None = DEFAULT_MAX_STEPS,
    time_limit: float = DEFAULT_TIME_LIMIT,
    device: str = "auto",
    model: str | None = None,
    input_shape: Sequence[int] = (),
    classes: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Report:
    """Diagnose a training script (or, with `model`, a model definition).

    Args:
        path: the user's script.
        args: the script's own command-line arguments (its `sys.argv[1:]`).
        max_steps: stop after this many optimizer steps (None: run the script to its end).
        time_limit: stop after this many seconds.
        device: `auto`, `cpu` (hides CUDA from the script), `cuda` or `cuda:N`.
        model: model-only mode: an expression such as `Net()` evaluated in the script's namespace.
        input_shape: model-only mode: one sample's shape, e.g. `(1, 28, 28)`.
        classes: model-only mode: number of classes (cross-entropy on random labels).
        on_progress: called about twice a second with what the run has shown so far.
            Raising KeyboardInterrupt from it stops the script as Ctrl-C does (the report
            covers the steps seen); it is still called while the script stops, and a
            second KeyboardInterrupt then ends the wait. Any other exception ends the
            child at once and propagates (the lab's Diagnose screen uses both, from a
            worker thread).

    Returns:
        The report. Never raises for problems in the user's script: they become its `status`.
    """
    script = os.fspath(path)
    try:
        text = read_script(script)
        source = Source.parse(script, text)
    except ScriptLoadError as exc:
        status = "syntax-error" if "syntax error" in str(exc) else "missing-file"
        return Report(script=script, status=status, detail=str(exc))
    result = run_child(
        ChildConfig(
            script=script,
            args=list(args),
            max_steps=None if max_steps is None else max(1, max_steps),
            time_limit=max(1.0, time_limit),
            device=device,
            model=model,
            input_shape=list(input_shape),
            classes=classes,
        ),
        on_progress,
        while_starting=load_rules,
    )
    return build_report(script, source, result)


def load_rules() -> None:
    """Import the checks (a tenth of a second) while the child imports torch, not before it.

    Only the report needs them; an import error shows where the report is built.
    """
    try:
        import dllab.diagnose.rules  # noqa: F401  (imported for its side effect: loaded)
    except Exception:  # raised again, with its traceback, by build_report's import
        return


def read_script(script: str) -> str:
    """The script's text; a missing or unreadable file is a `ScriptLoadError` (one line)."""
    try:
        with open(script, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ScriptLoadError(f"{script}: no such file") from None
    except IsADirectoryError:
        raise ScriptLoadError(f"{script}: is a directory, not a Python script") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptLoadError(f"{script}: cannot read: {exc}") from None


def _status(result: RunResult) -> tuple[str, str, tuple[str | None, int | None]]:
    outcome = result.observations.get(Field.OUTCOME.value)
    code = result.returncode
    if result.interrupted and (outcome is None or outcome.get("status") != "completed"):
        return "interrupted", "stopped with Ctrl-C; the steps before it are diagnosed", (None, None)
    if result.killed:
        return (
            "time-limit",
            "the script did not stop at the time limit and was killed",
            (None, None),
        )
    if outcome is None:
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return "crashed", f"the process was killed by {name}", (None, None)
        if code == 124:
            return "time-limit", "the script did not stop at the time limit", (None, None)
        return "crashed", f"the process ended (exit status {code}) before reporting", (None, None)
    status = str(outcome.get("status", "completed"))
    if status == "script-error":
        error = outcome.get("error")
        if error is None:
            return status, "None: None", (None, None)
        return (
            status,
            f"{error.get('type')}: {error.get('message')}",
            (error.get("file"), error.get("line")),
        )
    if status == "exit":
        return (
            status,
            f"sys.exit({outcome.get('exit_code')}) {outcome.get('message', '')}".strip(),
            (None, None),
        )
    return status, str(outcome.get("note", "")), (None, None)


def build_report(script: str, source: Source | None, result: RunResult) -> Report:
    """Run every rule over the static and dynamic evidence."""
    from dllab.diagnose.rules import ALL_RULES, Context

    status, detail, where = _status(result)
    obs = result.observations
    if status == "completed" and obs and not obs.get("steps"):
        status = "no-steps"  # it ran, but nothing was trained: never a pass
    ctx = Context(script=script, source=source, obs=obs, status=status)
    findings: list[Finding] = []
    notes: list[str] = list(ctx.get(Field.NOTES, []))
    for rule in ALL_RULES:
        try:
            findings.extend(rule.run(ctx.for_rule(rule)))
        except Exception as exc:  # one broken rule must not hide the others
            notes.append(f"check {rule.check} failed: {type(exc).__name__}: {exc}")
    findings.sort(key=lambda f: -f.severity.rank)
    report = Report(
        script=script,
        status=status,
        findings=findings,
        steps_observed=ctx.steps,
        detail=detail,
        error_location=(ctx.display_path(where[0]), where[1]),
        log_tail=result.log_tail,
        models=[m["name"] for m in ctx.models()],
        seconds=result.seconds,
        notes=notes,
    )
    _charts(report, ctx)
    return report


def _charts(report: Report, ctx: Context) -> None:
    from dllab.diagnose.rules.vanishing_gradients import ordered_norms

    grad_models = list(ctx.get(Field.GRAD_NORMS, {}))
    if grad_models:
        report.grad_norms = ordered_norms(ctx, grad_models[0], early=False)
    dead: dict[str, dict[str, DeadLayer]] = ctx.get(Field.DEAD_UNITS, {})
    for name, layers in dead.items():
        report.dead_fractions.update(
            {
                (f"{name}.{layer}" if len(dead) > 1 else layer): d["fraction"]
                for layer, d in layers.items()
            }
        )


__all__ = [
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TIME_LIMIT",
    "QUICK_MAX_STEPS",
    "QUICK_TIME_LIMIT",
    "Finding",
    "Location",
    "Progress",
    "Report",
    "Severity",
    "build_report",
    "diagnose_file",
]
