"""Rich report and plotext charts for a `Report` (formatting only; no measurement here)."""

from __future__ import annotations

import math
import re

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.report import STATUS_TEXT, Report
from dllab.logscale import log_bars

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}


def lesson_exists(lesson: str) -> bool:
    """Does the course's manifest list this lesson id yet?"""
    try:
        from dllab.paths import lessons_dir

        manifest = (lessons_dir() / "lessons.toml").read_text(encoding="utf-8")
    except OSError:
        return False
    return (
        re.search(rf"""^\s*id\s*=\s*["']{re.escape(lesson)}["']""", manifest, re.MULTILINE)
        is not None
    )


def lesson_label(lesson: str) -> str:
    """`dllab run dead-relu`, or `dead-relu (lesson coming)` when the course does not have it yet."""
    if not lesson:
        return ""
    return f"dllab run {lesson}" if lesson_exists(lesson) else f"{lesson} (lesson coming)"


def ranks_label(ranks: tuple[int, ...], observed: tuple[int, ...]) -> str:
    """`ranks 0,1`, `rank 1 only`, `all 8 ranks`: which of the observed ranks show a finding."""
    if not ranks or not observed:
        return ""
    if len(observed) == 1:
        return f"rank {ranks[0]}"  # one rank on this node: the others report on theirs
    if set(ranks) >= set(observed):
        return f"all {len(observed)} ranks" if len(observed) > 4 else _ranks(ranks)
    return f"rank {ranks[0]} only" if len(ranks) == 1 else _ranks(ranks)


def _ranks(ranks: tuple[int, ...]) -> str:
    return "ranks " + ",".join(map(str, ranks))


def finding_block(finding: Finding, observed: tuple[int, ...] = ()) -> RenderableType:
    """One finding; `observed`: the ranks of a distributed run (its finding names its ranks)."""
    style = STYLES[finding.severity]
    on = ranks_label(finding.ranks, observed)
    head = Text.assemble(
        (f"{finding.check}", style),
        "  ",
        (str(finding.location), "bold"),
        *(("  ", (f"[{on}]", "bold magenta")) if on else ()),
        "  ",
        finding.message,
    )
    body = Table.grid(padding=(0, 1))
    body.add_column(style="dim", justify="right")
    body.add_column()
    body.add_row("evidence", finding.evidence + ("" if finding.confirmed else "  [static only]"))
    for rel in finding.related:
        body.add_row("also", str(rel))
    body.add_row("fix", finding.fix)
    if finding.lesson:
        body.add_row("learn", lesson_label(finding.lesson))
    return Group(head, body, Text(""))


def bar_chart(title: str, values: dict[str, float], *, log: bool = False, width: int = 70) -> str:
    """A horizontal plotext bar chart as text (plotext < 6 module API)."""
    import plotext as plt

    names = list(values)[:24][::-1]  # plotext draws the first bar at the bottom
    data = [values[n] for n in names]
    if log and not any(v > 0 and math.isfinite(v) for v in data):
        return f"{title}: no layer had a gradient above 0 (nothing to draw)"
    if log:  # a zero gradient has no log: say so beside its (empty) bar
        names = [
            n if v > 0 and math.isfinite(v) else f"{n} (0)"
            for n, v in zip(names, data, strict=True)
        ]
    plt.clear_figure()
    if log:
        (heights,), (ticks, labels) = log_bars([data])  # the lab's bars, the same scale
        plt.bar(names, heights, orientation="horizontal", width=0.3)
        plt.xticks(ticks, labels)
        plt.xlim(0, max([*heights, *ticks, 1.0]))
    else:
        plt.bar(names, data, orientation="horizontal", width=0.3)
        plt.xlim(0, 1)
    plt.title(title)
    plt.plotsize(width, max(6, 2 * len(names) + 4))
    plt.theme("clear")
    text: str = plt.build()
    plt.clear_figure()
    return text


def render(report: Report, console: Console | None = None, *, charts: bool = True) -> None:
    """Print the report: status, findings grouped by severity, charts, the script's last output."""
    console = console or Console()
    status_style = "green" if report.diagnosed else "red"
    summary = Text.assemble(
        ("dllab diagnose ", "bold"),
        (report.script, "bold"),
        f"\n{report.status}: {STATUS_TEXT.get(report.status, report.status)}",
        (f" ({report.detail})" if report.detail else "", "dim"),
        f"\n{report.steps_observed} optimizer step{'' if report.steps_observed == 1 else 's'} observed in {report.seconds:.1f} s",
        (f"; models: {', '.join(report.models)}" if report.models else "", "dim"),
    )
    for rank in report.ranks:
        summary.append(f"\nrank {rank.rank}: {rank.status}", style="bold" if rank.detail else "")
        where = f" at {rank.location[0]}:{rank.location[1]}" if rank.location[0] else ""
        summary.append(
            f", {rank.steps:,} steps" + (f"; {rank.detail}" if rank.detail else "") + where,
            style="dim",
        )
    console.print(Panel(summary, border_style=status_style, expand=False))
    if report.error_location[0]:
        console.print(f"[red]error at {report.error_location[0]}:{report.error_location[1]}[/red]")
    if not report.findings:
        console.print(
            "[green]No findings.[/green]"
            if report.diagnosed
            else "[red]No findings, but the script could not be diagnosed.[/red]"
        )
    for severity in Severity:
        group = [f for f in report.findings if f.severity is severity]
        if group:
            console.rule(
                Text(f"{TITLES[severity]} ({len(group)})", style=STYLES[severity]), align="left"
            )
            for finding in group:
                console.print(finding_block(finding, tuple(r.rank for r in report.ranks)))
    whose = (
        f", rank {report.charts_rank}" if report.ranks and report.charts_rank is not None else ""
    )
    if charts and report.grad_norms:
        console.print(
            Text.from_ansi(
                bar_chart(f"gradient norm per layer (log10){whose}", report.grad_norms, log=True)
            )
        )
    if charts and report.dead_fractions:
        console.print(
            Text.from_ansi(
                bar_chart(f"dead-unit fraction per activation layer{whose}", report.dead_fractions)
            )
        )
    for note in report.notes:
        console.print(f"[dim]note: {note}[/dim]")
    if report.log_tail and (not report.diagnosed or report.status != "completed"):
        tail = "\n".join(report.log_tail.splitlines()[-15:])
        console.print(
            Panel(Text(tail), title="script output (last lines)", border_style="dim", expand=False)
        )
