"""`dllab sweep`: one knob over a grid, each point a recorded run, the outcome as one chart."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence

import click

from dllab import exit_codes
from dllab.commands.common import build_config, find_lesson
from dllab.engine.sweep import SweepPlan, SweepPoint, SweepRunner, plan_sweep, summarize


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _plain_point(plan: SweepPlan, point: SweepPoint, done: int) -> str:
    values = ", ".join(f"{name} {_fmt(v)}" for name, v in point.values.items())
    seed = f" seed {point.seed}" if len(plan.seeds) > 1 else ""
    status = "" if point.status == "completed" else f" ({point.status})"
    total = len(plan.xs) * len(plan.seeds)
    return f"[{done}/{total}] {plan.knob}={point.x:.4g}{seed}: {values}{status}  {point.run}"


def render_chart(summary: dict[str, object], width: int, height: int, color: bool) -> str:
    """The sweep chart as text (plotext), for the terminal or a pipe."""
    import plotext as plt
    from rich.console import Console

    from dllab.charts import draw_sweep, legend_text

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    legend = draw_sweep(plt, summary, width=width, colors=color)
    text: str = plt.build()
    console = Console(width=width, force_terminal=color, color_system="standard" if color else None)
    with console.capture() as capture:
        console.print(legend_text(legend, colors=color), justify="center")
    return (text if color else plt.uncolorize(text)) + "\n" + capture.get().replace("\u00a0", " ")


@click.command()
@click.argument("lesson_id", metavar="LESSON")
@click.argument("target", metavar="[KNOB=LO:HI | KNOB | SWEEP]", required=False)
@click.option("--points", type=int, default=None, help="Grid size (default: the sweep's, or 7).")
@click.option(
    "--metric",
    default=None,
    metavar="EXPR",
    help="Outcome per arm in the claim language, e.g. 'last(loss)' (default: the sweep's).",
)
@click.option("--seeds", type=int, default=1, show_default=True, help="Seeds per point (a band).")
@click.option("--steps", type=int, default=None, help="Steps per run (default: the sweep's).")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KNOB=VALUE",
    help="Change another knob for every point (ARM.KNOB=VALUE for one arm). Repeatable.",
)
@click.option("--seed", type=int, default=None, help="First seed (default: the lesson's).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per point, then a summary.")
def sweep(
    lesson_id: str,
    target: str | None,
    points: int | None,
    metric: str | None,
    seeds: int,
    steps: int | None,
    settings: Sequence[str],
    seed: int | None,
    device: str,
    as_json: bool,
) -> None:
    """Turn one knob of LESSON over a grid and chart the outcome against it.

    Log knobs (learning rates) get a log-spaced grid and a log axis; each arm is
    a curve; every point is a recorded run (`dllab runs`). With no range, the
    lesson's [[sweeps]] entry for that knob (or id) gives it; with nothing, the
    lesson's first sweep runs.

    Example: dllab sweep input-normalization lr=1e-5:1e-3 --points 5 --seeds 2
    """
    from dllab.engine.device import resolve_device

    lesson = find_lesson(lesson_id)
    base = build_config(lesson, settings, None, seed, device)
    plan = plan_sweep(lesson, base, target, points=points, metric=metric, seeds=seeds, steps=steps)
    resolve_device(base.device)  # a bad device is a usage error before the first point

    def on_point(point: SweepPoint) -> None:
        if as_json:
            click.echo(json.dumps(point.to_json(plan), ensure_ascii=False, separators=(",", ":")))
        else:
            click.echo(_plain_point(plan, point, len(runner.points)))

    runner = SweepRunner(plan, on_point=on_point)
    if not as_json:
        click.echo(
            f"{lesson.id}: {plan.knob} over {len(plan.xs)} points"
            f"{' (log grid)' if plan.log_x else ''}, {len(plan.seeds)} seed(s), "
            f"{plan.steps} steps per run, arms {', '.join(plan.arms)}; outcome {plan.metric}"
        )
    done = runner.run()
    summary = summarize(plan, done)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
    else:
        width = shutil.get_terminal_size((80, 24)).columns
        click.echo(render_chart(summary, min(width, 120) - 1, 20, sys.stdout.isatty()))
        click.echo(f"{len(done)} run(s) recorded (dllab runs). Points: {len(done)}/{runner.total}")
    if not summary["complete"]:
        sys.exit(exit_codes.INTERRUPTED)
    failed = [p for p in done if p.status == "failed"]
    sys.exit(exit_codes.FAILED if failed and len(failed) == len(done) else exit_codes.OK)
