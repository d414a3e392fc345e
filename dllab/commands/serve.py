"""`dllab serve`: the lab in a browser through textual-serve.

textual-serve starts one lab process per browser tab and has no authentication,
so it binds to 127.0.0.1 by default; from another machine, forward the port
over SSH (the command prints the exact `ssh -L` line).
"""

from __future__ import annotations

import getpass
import ipaddress
import shlex
import socket
import sys

import click

LOOPBACK = "127.0.0.1"


def lab_command(*, lang: str | None, fps: float, device: str) -> str:
    """The shell command each browser session runs (the lab, mouse on)."""
    parts = [sys.executable, "-m", "dllab", "--fps", f"{fps:g}", "--device", device, "--mouse"]
    if lang:
        parts += ["--lang", lang]
    return " ".join(shlex.quote(p) for p in parts)


def ssh_hint(port: int) -> str:
    """The line to run on the learner's laptop to reach a lab served on a remote box."""
    user = getpass.getuser()
    host = socket.gethostname()
    return f"ssh -N -L {port}:127.0.0.1:{port} {user}@{host}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option(
    "--host", default=LOOPBACK, show_default=True, help="Address to bind (keep it local)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Lesson language.")
@click.option("--fps", type=click.FloatRange(0.5, 30), default=4.0, show_default=True)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--public-url", default=None, help="The URL browsers use, when behind a proxy.")
def serve(
    host: str, port: int, lang: str | None, fps: float, device: str, public_url: str | None
) -> None:
    """Serve the lab in a browser (textual-serve). No authentication: bound to 127.0.0.1.

    On a remote GPU server, run `dllab serve` there and, on your laptop, the
    printed `ssh -L` line; then open http://127.0.0.1:PORT.
    """
    try:
        from textual_serve.server import Server
    except ImportError:
        raise click.ClickException(
            "textual-serve is not installed: pip install 'dllab[serve]'"
        ) from None
    from dllab.engine.device import check_device_spec

    device = check_device_spec(device)
    if not _is_loopback(host):
        click.echo(
            f"dllab: warning: binding {host} exposes the lab (and the right to start training "
            "processes) to anyone who can reach this port; textual-serve has no login.",
            err=True,
        )
    click.echo(f"Serving the lab at http://{host}:{port}  (Ctrl-C to stop)")
    click.echo(f"From your laptop:  {ssh_hint(port)}   then open http://127.0.0.1:{port}")
    server = Server(
        lab_command(lang=lang, fps=fps, device=device),
        host=host,
        port=port,
        title="dllab",
        public_url=public_url,
    )
    server.serve()
