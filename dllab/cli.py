"""The `dllab` command line.

Subcommands live in their own modules and are imported only when invoked
(`LazyGroup`), so `dllab --help` never imports torch, textual or visdom.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NoReturn

import click

from dllab import __version__, exit_codes
from dllab.commands.options import visdom_option
from dllab.errors import DllabError

# name -> ("module:attribute", one-line help shown by `dllab --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "lessons": (
        "dllab.commands.lessons:lessons",
        "List the course with your progress; `lessons check` validates it.",
    ),
    "run": (
        "dllab.commands.run:run",
        "Run a lesson's experiment without the lab (charts, plain lines or JSON).",
    ),
    "check": (
        "dllab.commands.run:check",
        "Run a lesson (or its bug hunt) and verify its claim; exit 0 when it holds.",
    ),
    "sweep": (
        "dllab.commands.sweep:sweep",
        "Turn one knob of a lesson over a grid and chart the outcome against it.",
    ),
    "runs": ("dllab.commands.runs:runs", "List, show and replay recorded runs."),
    "progress": ("dllab.commands.lessons:progress", "Show or reset your progress."),
    "diagnose": (
        "dllab.commands.diagnose:diagnose",
        "Find bugs in your own model and training script.",
    ),
    "visdom": (
        "dllab.commands.visdom:visdom",
        "Start a local Visdom server (127.0.0.1 only) for the mirror.",
    ),
    "serve": (
        "dllab.commands.serve:serve",
        "Serve the lab in a browser through textual-serve (127.0.0.1).",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # Here, not in `main`: click turns an EPIPE that reaches it into a bare exit 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_closed()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="dllab")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Lesson language (default: from the locale).",
)
@click.option(
    "--fps",
    type=click.FloatRange(0.5, 30),
    default=4.0,
    show_default=True,
    help="Chart redraws per second.",
)
@click.option(
    "--mouse/--no-mouse",
    default=None,
    help="Mouse capture (off by default over SSH so text selection works).",
)
@click.option(
    "--ascii",
    "ascii_markers",
    is_flag=True,
    help="ASCII chart markers for terminals without braille.",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@visdom_option("Mirror live curves to a Visdom server.")
@click.pass_context
def cli(ctx: click.Context, /, **options: Any) -> None:
    """dllab: learn why networks train or fail to train, and debug your own.

    Run `dllab` alone to open the lab.
    """
    if ctx.invoked_subcommand is not None:
        return
    from dllab.commands.lab import launch

    options["mouse"] = (
        options["mouse"] if options["mouse"] is not None else "SSH_CONNECTION" not in os.environ
    )
    sys.exit(launch(**options))


def main() -> None:
    """Entry point of the `dllab` script: errors become one line and an exit code."""
    try:
        _main()
    finally:
        try:  # a closed pipe shows here rather than as a traceback at interpreter exit
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_closed()


def _stdout_closed() -> NoReturn:
    """The reader of stdout went away: end quietly, as a pipeline stage does on SIGPIPE."""
    # Python would flush stdout again at exit and print a traceback: point fd 1 at devnull.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.exit(exit_codes.STDOUT_CLOSED)


def _main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(exit_codes.INTERRUPTED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exit_codes.USAGE)
    except DllabError as exc:
        click.echo(f"dllab: {exc}", err=True)
        sys.exit(exit_codes.USAGE)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(exit_codes.INTERRUPTED)
