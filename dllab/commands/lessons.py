"""`dllab lessons` (the course with progress), `dllab lessons check`, `dllab progress`."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dllab import exit_codes
from dllab.curriculum.loader import load_course
from dllab.curriculum.model import pick
from dllab.progress import PASSED, STARTED, Progress

MARKS = {PASSED: "[green]✓ passed[/]", STARTED: "[yellow]• started[/]", "new": "[dim]new[/]"}


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.pass_context
def lessons(ctx: click.Context, as_json: bool, lang: str) -> None:
    """List the course in order, with your progress."""
    if ctx.invoked_subcommand is not None:
        return
    course = load_course()
    progress = Progress.load()
    if progress.notice:
        click.echo(progress.notice, err=True)
    if as_json:
        rows = [
            {
                "number": course.number(le),
                "id": le.id,
                "chapter": le.chapter,
                "title": pick(le.title, lang),
                "arms": list(le.arms),
                "knobs": list(le.knobs),
                "steps": le.steps,
                "budget_s": le.budget_s,
                "device": le.device,
                "bughunt": le.bughunt is not None,
                "status": progress.status(le.id),
            }
            for le in course.lessons
        ]
        broken = [
            {
                "id": b.id,
                "chapter": b.chapter,
                "file": b.error.path,
                "field": b.error.field,
                "problem": b.error.detail,
            }
            for b in course.broken
        ]
        click.echo(
            json.dumps(
                {
                    "lessons": rows,
                    "broken": broken,
                    "continue": progress.continue_with([le.id for le in course.lessons]),
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table(title="dllab course", title_justify="left")
    for col in ("#", "lesson", "title", "status"):
        table.add_column(col)
    chapter_titles = {c.id: pick(c.title, lang) for c in course.chapters}
    current = None
    for le in course.lessons:
        if le.chapter != current:
            current = le.chapter
            table.add_section()
            table.add_row("", f"[bold]{chapter_titles.get(le.chapter, le.chapter)}[/]", "", "")
        table.add_row(
            str(course.number(le)),
            le.id,
            pick(le.title, lang) + (" [dim](GPU)[/]" if le.device == "cuda" else ""),
            MARKS.get(progress.status(le.id), ""),
        )
    if course.broken:
        table.add_section()
        for entry in course.broken:
            table.add_row(
                "", escape(entry.id), f"[red]{escape(entry.message)}[/]", "[red]✗ broken[/]"
            )
    Console().print(table)
    if course.broken:
        click.echo(
            f"{len(course.broken)} lesson(s) are broken and cannot run; "
            "`dllab lessons check` lists every problem.",
            err=True,
        )
    nxt = progress.continue_with([le.id for le in course.lessons])
    if nxt:
        click.echo(f"Continue with: dllab run {nxt}   (or open the lab: dllab)")


@lessons.command("show")
@click.argument("lesson_id", metavar="LESSON")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def lessons_show(lesson_id: str, as_json: bool, lang: str) -> None:
    """Show a lesson's knobs (type, range or choices, default), arms, charts and claim.

    Example: dllab lessons show vanishing-gradients --json
    """
    lesson = load_course().lesson(lesson_id)
    knobs = [
        {
            "name": k.name,
            "type": k.type.value,
            "default": k.default,
            "min": k.min,
            "max": k.max,
            "log": k.log,
            "choices": list(k.choices),
            "allowed": k.describe(),
            "help": pick(k.help, lang),
            "set_by_arms": [a.name for a in lesson.arms.values() if k.name in a.settings],
        }
        for k in lesson.knobs.values()
    ]
    arms = [
        {"name": a.name, "label": pick(a.label, lang), "settings": a.settings}
        for a in lesson.arms.values()
    ]
    if as_json:
        data = {
            "id": lesson.id,
            "title": pick(lesson.title, lang),
            "summary": pick(lesson.summary, lang),
            "steps": lesson.steps,
            "seed": lesson.seed,
            "knobs": knobs,
            "arms": arms,
            "charts": [c.id for c in lesson.charts],
            "claims": [pick(c.text, lang) for c in lesson.claims],
        }
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    console = Console()
    console.print(f"[bold]{escape(lesson.id)}[/]: {escape(pick(lesson.title, lang))}")
    console.print(escape(pick(lesson.summary, lang)))
    console.print(f"steps {lesson.steps} (--steps), seed {lesson.seed} (--seed)")
    table = Table(title="knobs (--set NAME=VALUE)", title_justify="left")
    for col in ("knob", "allowed", "default", "help"):
        table.add_column(col, no_wrap=col != "help")
    for k in lesson.knobs.values():
        setters = [a.name for a in lesson.arms.values() if k.name in a.settings]
        fixed = f" [dim](set by {', '.join(setters)})[/]" if setters else ""
        table.add_row(
            k.name,
            escape(k.describe()) + (" log" if k.log else ""),
            escape(str(k.default)),
            escape(pick(k.help, lang)) + fixed,
        )
    console.print(table)
    for a in lesson.arms.values():
        settings = ", ".join(f"{k}={v}" for k, v in a.settings.items()) or "-"
        label = escape(pick(a.label, lang))
        console.print(f"arm [bold]{escape(a.name)}[/] ({label}): {escape(settings)}")
    for claim in lesson.claims:
        console.print(f"claim: {escape(pick(claim.text, lang))}")


@lessons.command("check")
@click.option(
    "--hunts",
    "run_hunts",
    is_flag=True,
    help="Also run every bug hunt: the broken script must miss its expect, the solution meet it.",
)
def lessons_check(run_hunts: bool) -> None:
    """Validate the whole course; exit 1 on any problem."""
    from dllab.curriculum.check import check_course
    from dllab.curriculum.loader import load_course
    from dllab.hunts import verify_hunt
    from dllab.paths import lessons_dir

    good, problems = check_course(lessons_dir())
    for lesson in load_course(lessons_dir()).lessons if good else []:
        if lesson.bughunt is not None and lesson.id in good:
            found = verify_hunt(lesson, run_scripts=run_hunts)
            problems.extend(found)
            if found:
                good.remove(lesson.id)
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    click.echo(f"{len(good)} lesson(s) valid, {len(problems)} problem(s).")
    sys.exit(exit_codes.FAILED if problems else exit_codes.OK)


@click.command()
@click.option(
    "--reset", "reset_id", metavar="LESSON", default=None, help="Forget one lesson's progress."
)
@click.option("--reset-all", is_flag=True, help="Forget all progress.")
def progress(reset_id: str | None, reset_all: bool) -> None:
    """Show where your progress file is, or reset it."""
    state = Progress.load()
    if state.notice:
        click.echo(state.notice, err=True)
    if reset_all:
        state.reset()
        state.save()
        click.echo("All progress reset.")
    elif reset_id:
        lesson = load_course().lesson(reset_id)
        state.reset(lesson.id)
        state.save()
        click.echo(f"Progress of {lesson.id} reset.")
    else:
        passed = sum(1 for v in state.lessons.values() if v.get("status") == PASSED)
        click.echo(f"{state.path}: {passed} lesson(s) passed, {len(state.lessons)} touched.")
