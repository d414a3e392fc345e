"""The `dllab diagnose` command."""

from __future__ import annotations

import json
import sys

import click

from dllab.commands.options import visdom_option
from dllab.diagnose.api import (
    DEFAULT_TIME_LIMIT,
    QUICK_MAX_STEPS,
    QUICK_TIME_LIMIT,
    diagnose_file,
)
from dllab.diagnose.findings import Severity
from dllab.diagnose.report import Report


def _shape(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    try:
        shape = tuple(int(part) for part in value.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise click.BadParameter("use comma-separated integers, e.g. 1,28,28") from None
    if not shape or any(d <= 0 for d in shape):
        raise click.BadParameter("dimensions must be positive integers, e.g. 1,28,28")
    return shape


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "ignore_unknown_options": False}
)
@click.argument("script", type=click.Path(dir_okay=False))
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--max-steps",
    type=click.IntRange(1),
    default=None,
    help="Stop after this many optimizer steps.  [default: run the script to its end]",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(1),
    default=None,
    help=f"Stop after this many seconds.  [default: {DEFAULT_TIME_LIMIT:.0f}; {QUICK_TIME_LIMIT:.0f} with --quick]",
)
@click.option(
    "--quick",
    is_flag=True,
    help=f"Look at the first {QUICK_MAX_STEPS} steps only (code bugs; not overfitting or late blow-ups).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the findings as JSON (and nothing else) on stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--model",
    "model_expr",
    metavar="EXPR",
    help="Model-only mode: build the model with EXPR (e.g. 'Net()') and train it briefly on synthetic data.",
)
@click.option(
    "--input-shape",
    callback=_shape,
    metavar="SHAPE",
    help="Model-only mode: one sample's shape, e.g. 1,28,28.",
)
@click.option(
    "--classes",
    type=click.IntRange(2),
    help="Model-only mode: number of classes (else a regression target).",
)
@click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto, cpu (hides CUDA from the script), cuda or cuda:N.",
)
@click.option("--no-charts", is_flag=True, help="Leave out the per-layer charts.")
@visdom_option("Also send the per-layer charts to Visdom.")
def diagnose(
    script: str,
    script_args: tuple[str, ...],
    max_steps: int | None,
    time_limit: float | None,
    quick: bool,
    as_json: bool,
    fail_on: str,
    model_expr: str | None,
    input_shape: tuple[int, ...],
    classes: int | None,
    device: str,
    no_charts: bool,
    visdom_url: str | None,
) -> None:
    """Find bugs in your own model and training script.

    Runs SCRIPT in a child process with probes attached from outside (your file
    is never edited) and combines what the run measured with what the source
    shows. The script runs to its end (or --time-limit); --quick looks at the
    first steps only. Pass the script's own arguments after `--`:

        dllab diagnose train.py -- --epochs 3

    Model-only mode, for a file that defines a model but no training loop:

        dllab diagnose model.py --model 'Net()' --input-shape 1,28,28 --classes 10

    Exit status: 0 nothing at or above --fail-on; 1 findings at or above it;
    2 the script could not be diagnosed (missing, syntax error, crashed, ...).
    """
    if model_expr and not input_shape:
        raise click.UsageError("--model needs --input-shape (one sample's shape, e.g. 1,28,28)")
    if quick:
        max_steps = max_steps or QUICK_MAX_STEPS
        time_limit = time_limit or QUICK_TIME_LIMIT
    report = diagnose_file(
        script,
        args=script_args,
        max_steps=max_steps,
        time_limit=time_limit or DEFAULT_TIME_LIMIT,
        device=device,
        model=model_expr,
        input_shape=input_shape,
        classes=classes,
    )
    emit(report, as_json=as_json, charts=not no_charts)
    if visdom_url:
        from dllab.mirrors.report import mirror_layer_charts

        mirror_layer_charts(
            report.script,
            visdom_url,
            grad_norms=report.grad_norms,
            dead_fractions=report.dead_fractions,
        )
    sys.exit(report.exit_code(fail_on))


def emit(report: Report, *, as_json: bool, charts: bool = True) -> None:
    """Write the report to stdout: exactly one JSON document, or the rich report."""
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    from dllab.diagnose.render import render

    render(report, charts=charts)
