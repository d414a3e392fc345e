"""`dllab visdom`: a local Visdom server for the mirror, safe by default.

Visdom's own launcher (`python -m visdom.server`) binds every interface with no
login, and crashes without internet while it downloads the page's JavaScript
from CDNs. This command starts the server through `run_server.main()` (which
skips the download; see `_server.py`), always with `-bind_local`, keeps its
envs under dllab's data dir, and stops it with SIGINT, on which `_server.py`
saves every env (Visdom itself loses them on SIGTERM, and 0.2.4 even on SIGINT).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import click

from dllab.mirrors._client import VisdomClient

INSTALL = (
    "printf 'setuptools<81\\n' > /tmp/c.txt; PIP_CONSTRAINT=/tmp/c.txt "
    "PIP_BUILD_CONSTRAINT=/tmp/c.txt pip install 'dllab[visdom]'"
)
"""The tested install line (visdom 0.2.4's sdist needs an old setuptools to build)."""

START_TIMEOUT_S = 90.0
"""`import visdom` alone can take seconds (it imports torch on 0.2.4)."""


def visdom_package_dir() -> Path | None:
    """Where the installed `visdom` package lives, without importing it."""
    spec = importlib.util.find_spec("visdom")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise click.ClickException(
                f"port {port} on 127.0.0.1 is in use (another Visdom?); pick one with --port"
            ) from None


def _tornado_warning() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(x) for x in version("tornado").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return None
    if (major, minor) >= (6, 6):
        return "tornado >= 6.6 answers 403 to Visdom's page (the data API still works): pip install 'tornado>=6.3,<6.6'"
    return None


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    client = VisdomClient(url, timeout_s=2.0)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise click.ClickException(f"the Visdom server exited at start:\n{tail}")
        if client.alive():
            client.close()
            return
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    raise click.ClickException(f"the Visdom server did not answer within {START_TIMEOUT_S:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> int:
    """SIGINT (Visdom saves its envs at exit), then wait; terminate only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.terminate()
        return proc.wait()


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8097, show_default=True)
@click.option(
    "--fetch-assets",
    is_flag=True,
    help="Download the page's JavaScript and CSS from the npm registry (needs npm), then exit.",
)
def visdom(port: int, fetch_assets: bool) -> None:
    """Start a local Visdom server for `--visdom`: 127.0.0.1 only, data in dllab's data dir.

    Works without internet. Ctrl-C stops it and saves its envs.
    """
    from dllab.mirrors._assets import fetch_assets as fetch
    from dllab.mirrors._assets import missing_assets
    from dllab.paths import data_dir

    package = visdom_package_dir()
    if package is None:
        raise click.ClickException(f"Visdom is not installed. Install it with:\n  {INSTALL}")
    if fetch_assets:
        fetch(package / "static", echo=click.echo)
        return
    warning = _tornado_warning()
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    _check_port(port)
    env_path = data_dir() / "visdom"
    env_path.mkdir(parents=True, exist_ok=True)
    log = env_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    args = ["-port", str(port), "-bind_local", "-env_path", str(env_path) + os.sep]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dllab.mirrors._server", *args, "-logging_level", "WARNING"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def forward(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # SIGTERM to dllab still stops Visdom with SIGINT

    # SIGINT explicitly too: a process started in the background by a non-interactive
    # shell (CI, nohup, `&`) inherits SIGINT as ignored, and Python then installs no handler.
    previous = signal.signal(signal.SIGTERM, forward)
    previous_int = signal.signal(signal.SIGINT, forward)
    try:
        _wait_until_up(proc, url, log)
        click.echo(f"Visdom is serving {url}  (127.0.0.1 only; envs in {env_path})")
        click.echo(
            f"From another machine: ssh -L {port}:127.0.0.1:{port} {_host()}  then open {url}"
        )
        click.echo(
            f"Mirror a run: dllab run LESSON --visdom {url}    Stop: Ctrl-C (saves the envs)"
        )
        missing = missing_assets(package / "static")
        if missing:
            click.echo(
                f"The page's JavaScript is missing ({len(missing)} files, e.g. {missing[0]}): the data "
                "API works but the browser shows a blank page. Get them with `dllab visdom "
                "--fetch-assets` (uses npm), or copy visdom/static/ from a machine with internet "
                "where `python -m visdom.server` has run once.",
                err=True,
            )
        proc.wait()
    except KeyboardInterrupt:
        click.echo("Stopping Visdom (saving its envs)...", err=True)
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            _stop(proc)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _host() -> str:
    return socket.gethostname() or "HOST"
