"""`dllab visdom` starts offline, listens on 127.0.0.1 only, and saves its envs on SIGINT."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dllab.mirrors._client import VisdomClient
from tests.mirrors.conftest import free_port

if importlib.util.find_spec("visdom") is None:
    pytest.skip("visdom is not installed (pip install 'dllab[visdom]')", allow_module_level=True)

DEAD_PROXY = "http://127.0.0.1:9"
"""Any download attempt through this fails at once: the machine is as good as offline."""


def listening(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a socket listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.append(address)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_binds_loopback_only_and_starts_offline(dllab_home: Path, stop: signal.Signals) -> None:
    port = free_port()
    env = os.environ.copy()
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = DEAD_PROXY
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dllab", "visdom", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the server answers
        assert f"http://127.0.0.1:{port}" in first, first + proc.stderr.read()
        assert f"ssh -L {port}:127.0.0.1:{port}" in proc.stdout.readline()
        addresses = listening(port)
        assert addresses == ["0100007F"], addresses  # 127.0.0.1, and nothing on tcp6
        client = VisdomClient(f"http://127.0.0.1:{port}")
        client.post(
            "events",
            {
                "eid": "dllab_check",
                "win": "w",
                "layout": {},
                "opts": {},
                "data": [{"x": [1], "y": [2], "type": "scatter", "name": "a"}],
            },
        )
    finally:
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    log = (dllab_home / "visdom" / "server.log").read_text()
    assert "Downloading" not in log and "Error" not in log, log
    assert (dllab_home / "visdom" / "dllab_check.json").is_file()  # saved on the way out


def test_port_in_use_is_a_clear_error(dllab_home: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "dllab", "visdom", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "in use" in done.stderr
