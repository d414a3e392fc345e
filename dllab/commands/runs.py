"""`dllab runs`: list, show and replay recorded runs."""

from __future__ import annotations

import json
import os
import sys

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dllab.commands.options import visdom_option
from dllab.engine.events import RunStarted
from dllab.engine.records import RunRecord, list_runs, load_run
from dllab.engine.sinks import JsonLinesWriter

RUN_ID_HELP = "RUN is an id, a unique prefix of one, or `latest`."


def find_run(run_id: str) -> RunRecord:
    """`load_run` with `latest` (the newest run) as well as `last`."""
    return load_run("last" if run_id == "latest" else run_id)


@click.group(invoke_without_command=True)
@click.option("--lesson", default=None, help="Only runs of this lesson.")
@click.option("--limit", default=20, show_default=True)
@click.pass_context
def runs(ctx: click.Context, lesson: str | None, limit: int) -> None:
    """List recorded runs, newest first.

    `dllab runs show RUN` and `dllab runs replay RUN` take an id, a unique prefix
    of one, or `latest`.
    """
    if ctx.invoked_subcommand is not None:
        return
    records = list_runs(lesson)[:limit]
    if not records:
        click.echo("No recorded runs yet. Try: dllab run vanishing-gradients")
        return
    # the id starts with the lesson's, so no lesson column: the whole id fits 80 columns
    table = Table(title_justify="left")
    table.add_column("run", no_wrap=True)
    for col in ("device", "status", "claim", "s"):
        table.add_column(col, no_wrap=True)
    for r in records:
        claim = (r.result or {}).get("claim") or {}
        mark = "✓" if claim.get("passed") else ("✗" if r.result else "")
        elapsed = (r.result or {}).get("elapsed_s")
        table.add_row(
            r.run_id,
            r.meta.get("device", "?"),
            r.status,
            mark,
            f"{elapsed:.1f}" if elapsed else "",
        )
    Console().print(table)


@runs.command("show", epilog=RUN_ID_HELP)
@click.argument("run_id", metavar="RUN")
def show(run_id: str) -> None:
    """Show a run's config, result and where its files are."""
    record = find_run(run_id)
    click.echo(f"{record.run_id}  ({record.dir})")
    click.echo(
        json.dumps(
            {"config": record.meta.get("config"), "result": record.result},
            indent=2,
            ensure_ascii=False,
        )
    )


@runs.command("replay", epilog=RUN_ID_HELP)
@click.argument("run_id", metavar="RUN")
@visdom_option("Send the recorded points to a Visdom server.")
def replay(run_id: str, visdom_url: str | None) -> None:
    """Print a recorded run as `dllab run --json` printed it (start, metrics, end lines).

    With --visdom, send its points to a Visdom server instead.
    """
    record = find_run(run_id)
    if visdom_url:
        from dllab.mirrors.replay import replay_to_visdom

        count = replay_to_visdom(record, visdom_url)
        click.echo(f"Sent {count} points of {record.run_id} to {visdom_url} (env {record.run_id}).")
        return
    meta = record.meta
    config = meta.get("config") or {}
    start = RunStarted(
        record.run_id,
        str(meta.get("lesson", "")),
        config,
        str(meta.get("device", "")),
        list(meta.get("arms") or config.get("arms") or []),
        int(config.get("steps", 0)),
        str(record.dir),
        dict(meta.get("arm_values") or {}),
    )
    writer = JsonLinesWriter(sys.stdout)  # the same writer `run --json` uses
    writer.on_run_start(start)
    writer.on_metrics(list(record.points()))
    if record.result is not None:
        click.echo(json.dumps(record.result, ensure_ascii=False, separators=(",", ":")))


@runs.command("compare", epilog=RUN_ID_HELP)
@click.argument("run_ids", metavar="RUN...", nargs=-1, required=True)
@click.option(
    "--metric", default=None, help="The metric to draw (default: the lesson's first chart's)."
)
@click.option("--log-y", is_flag=True, help="A log-scale y axis.")
def compare(run_ids: tuple[str, ...], metric: str | None, log_y: bool) -> None:
    """Draw recorded runs of one lesson on the same axes, labelled by what differed.

    Example: dllab runs compare latest decay-20261202-0158 --metric loss
    """
    import shutil

    import plotext as plt

    from dllab.charts import draw_compare, legend_text
    from dllab.commands.lab import ASCII_TERMS
    from dllab.compare import compare_runs
    from dllab.curriculum.loader import load_course

    records = [find_run(r) for r in run_ids]
    lesson_id = str(records[0].meta.get("lesson", ""))
    default = "loss"
    try:
        lesson = load_course().lesson(lesson_id)
        default = next((c.metrics[0] for c in lesson.charts if c.metrics), default)
    except Exception:  # a run of a lesson no longer in the course still compares on "loss"
        pass
    name, compared = compare_runs(records, metric, default)
    colors = "NO_COLOR" not in os.environ
    marker = "*" if os.environ.get("TERM", "") in ASCII_TERMS else "braille"
    width, height = shutil.get_terminal_size((100, 30))
    plt.clear_figure()
    plt.plotsize(width - 1, max(10, min(height - 4, 30)))
    plt.theme("clear")
    title = f"{lesson_id}: {name}"
    legend = draw_compare(
        plt,
        title,
        name,
        [(run.label, run.history, run.arms) for run in compared],
        width=width,
        marker=marker,
        colors=colors,
        log_y=log_y,
    )
    console = Console(no_color=not colors)
    console.print(Text.from_ansi(plt.build()))
    console.print(legend_text(legend, colors=colors))
    for run in compared:
        console.print(f"{run.run_id}: {run.label}", highlight=False)
