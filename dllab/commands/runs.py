"""`dllab runs`: list, show and replay recorded runs."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

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
