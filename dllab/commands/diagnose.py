"""The `dllab diagnose` command."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator

import click

from dllab.commands.options import visdom_option
from dllab.diagnose.api import (
    DEFAULT_TIME_LIMIT,
    QUICK_MAX_STEPS,
    QUICK_TIME_LIMIT,
    Progress,
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
@click.option(
    "--nproc-per-node",
    type=click.IntRange(1),
    default=None,
    help="Distributed: start SCRIPT under torch.distributed.run with this many ranks, each diagnosed.",
)
@click.option(
    "--nnodes", type=click.IntRange(1), default=1, show_default=True, help="Distributed: nodes."
)
@click.option(
    "--node-rank",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Distributed: this node's rank (run dllab on every node).",
)
@click.option("--master-addr", default=None, help="Distributed: the rank-0 node's address.")
@click.option(
    "--master-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Distributed: its port.  [default: a free one for one node, else 29500]",
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
    nproc_per_node: int | None,
    nnodes: int,
    node_rank: int,
    master_addr: str | None,
    master_port: int | None,
    no_charts: bool,
    visdom_url: str | None,
) -> None:
    """Find bugs in your own model and training script.

    Runs SCRIPT in a child process with probes attached from outside (your file
    is never edited) and combines what the run measured with what the source
    shows. The script runs to its end (or --time-limit); --quick looks at the
    first steps only. Pass the script's own arguments after `--`:

        dllab diagnose train.py -- --epochs 3

    A script you launch with `torchrun --nproc-per-node 2 train.py` (DDP):

        dllab diagnose --nproc-per-node 2 train.py -- --epochs 3

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
    if nproc_per_node is None and (nnodes != 1 or node_rank or master_addr or master_port):
        raise click.UsageError("--nnodes/--node-rank/--master-* need --nproc-per-node")
    if nproc_per_node is not None:
        if model_expr:
            raise click.UsageError("--model and --nproc-per-node do not go together")
        if device.startswith("cuda:"):
            raise click.UsageError(
                "--device cuda:N would put every rank on one GPU; under --nproc-per-node "
                "each rank picks its own (LOCAL_RANK)"
            )
        if node_rank >= nnodes:
            raise click.UsageError(f"--node-rank {node_rank} is not below --nnodes {nnodes}")
        if nnodes > 1 and not master_addr:
            raise click.UsageError("--nnodes above 1 needs --master-addr (the rank-0 node)")
    label = script if nproc_per_node is None else f"{script} on {nproc_per_node} ranks"
    # Live progress only for a person watching: never on a pipe, a file or with --json.
    with live_progress(label, enabled=not as_json and sys.stderr.isatty()) as on_progress:
        if nproc_per_node is not None:
            from dllab.diagnose.distributed import diagnose_distributed

            report = diagnose_distributed(
                script,
                nproc_per_node=nproc_per_node,
                args=script_args,
                max_steps=max_steps,
                time_limit=time_limit or DEFAULT_TIME_LIMIT,
                device=device,
                nnodes=nnodes,
                node_rank=node_rank,
                master_addr=master_addr,
                master_port=master_port,
                on_progress=on_progress,
            )
        else:
            report = diagnose_file(
                script,
                args=script_args,
                max_steps=max_steps,
                time_limit=time_limit or DEFAULT_TIME_LIMIT,
                device=device,
                model=model_expr,
                input_shape=input_shape,
                classes=classes,
                on_progress=on_progress,
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


def progress_line(script: str, progress: Progress) -> str:
    """One line of what the run has shown so far."""
    parts = [f"diagnosing {script}", f"{progress.steps:,} steps", f"{progress.seconds:.0f} s"]
    if progress.train_loss is not None:
        parts.append(f"train loss {progress.train_loss:.4g}")
    if progress.val_loss is not None:
        parts.append(f"val loss {progress.val_loss:.4g}")
    return " · ".join(parts) + "  (Ctrl-C stops the script and reports)"


@contextlib.contextmanager
def live_progress(script: str, *, enabled: bool) -> Iterator[Callable[[Progress], None] | None]:
    """A spinner line on stderr updated with each `Progress` (yields None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status(f"diagnosing {script}") as status:
        yield lambda progress: status.update(progress_line(script, progress))


def emit(report: Report, *, as_json: bool, charts: bool = True) -> None:
    """Write the report to stdout: exactly one JSON document, or the rich report."""
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    from dllab.diagnose.render import render

    render(report, charts=charts)
