"""`dllab runs`: list, show and replay recorded runs."""

from __future__ import annotations

import json
import math

import click
from rich.console import Console
from rich.table import Table

from dllab.commands.options import visdom_option
from dllab.engine.records import list_runs, load_run


@click.group(invoke_without_command=True)
@click.option("--lesson", default=None, help="Only runs of this lesson.")
@click.option("--limit", default=20, show_default=True)
@click.pass_context
def runs(ctx: click.Context, lesson: str | None, limit: int) -> None:
    """List recorded runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    records = list_runs(lesson)[:limit]
    if not records:
        click.echo("No recorded runs yet. Try: dllab run vanishing-gradients")
        return
    table = Table(title_justify="left")
    for col in ("run", "lesson", "device", "status", "claim", "s"):
        table.add_column(col)
    for r in records:
        claim = (r.result or {}).get("claim") or {}
        mark = "✓" if claim.get("passed") else ("✗" if r.result else "")
        elapsed = (r.result or {}).get("elapsed_s")
        table.add_row(
            r.run_id,
            r.meta.get("lesson", "?"),
            r.meta.get("device", "?"),
            r.status,
            mark,
            f"{elapsed:.1f}" if elapsed else "",
        )
    Console().print(table)


@runs.command("show")
@click.argument("run_id")
def show(run_id: str) -> None:
    """Show a run's config, result and where its files are."""
    record = load_run(run_id)
    click.echo(f"{record.run_id}  ({record.dir})")
    click.echo(
        json.dumps(
            {"config": record.meta.get("config"), "result": record.result},
            indent=2,
            ensure_ascii=False,
        )
    )


@runs.command("replay")
@click.argument("run_id")
@visdom_option("Send the recorded points to a Visdom server.")
def replay(run_id: str, visdom_url: str | None) -> None:
    """Print a recorded run's metric stream as JSON Lines (or send it to Visdom)."""
    record = load_run(run_id)
    if visdom_url:
        from dllab.mirrors.replay import replay_to_visdom

        count = replay_to_visdom(record, visdom_url)
        click.echo(f"Sent {count} points of {record.run_id} to {visdom_url} (env {record.run_id}).")
        return
    for p in record.points():
        value = p.value if math.isfinite(p.value) else None
        click.echo(
            json.dumps(
                {"type": "metric", "arm": p.arm, "step": p.step, "name": p.name, "value": value}
            )
        )
