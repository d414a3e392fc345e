"""A real Visdom server on 127.0.0.1 and a free port, started the offline-safe way."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dllab.mirrors._client import VisdomClient


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class VisdomServer:
    """One server process; stop() saves its envs (SIGINT), kill() loses them."""

    port: int
    env_path: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> VisdomClient:
        return VisdomClient(self.url, timeout_s=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def start_server(env_path: Path, port: int | None = None) -> VisdomServer:
    """Start Visdom's `run_server.main()` with -bind_local on 127.0.0.1; wait until it answers."""
    port = port or free_port()
    env_path.mkdir(parents=True, exist_ok=True)
    log = (env_path / "server.log").open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dllab.mirrors._server",  # run_server.main() (no CDN download), saves envs on SIGINT
            "-port",
            str(port),
            "-bind_local",
            "-env_path",
            f"{env_path}{os.sep}",
            "-logging_level",
            "WARNING",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    server = VisdomServer(port, env_path, proc)
    client = VisdomClient(server.url, timeout_s=2)
    deadline = time.monotonic() + 120
    while not client.alive():
        if proc.poll() is not None or time.monotonic() > deadline:
            server.kill() if proc.poll() is None else None
            raise RuntimeError((env_path / "server.log").read_text())
        time.sleep(0.2)
    client.close()
    return server


@pytest.fixture
def visdom_server(tmp_path: Path) -> Iterator[VisdomServer]:
    """A fresh server for one test, stopped with SIGINT."""
    server = start_server(tmp_path / "visdom")
    yield server
    server.stop()


def traces(window: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A window's traces by name."""
    return {t.get("name"): t for t in window["content"]["data"]}


def json_metrics(lines: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The start event and the metric events of a `--json` stream."""
    events = [json.loads(line) for line in lines if line.strip()]
    start = next(e for e in events if e["type"] == "start")
    return start, [e for e in events if e["type"] == "metric"]


def assert_mirrored(
    client: VisdomClient, env: str, lesson_id: str, metrics: list[dict[str, Any]]
) -> None:
    """Every chart of the lesson is a window of `env`, and its traces equal the metric stream."""
    from dllab.curriculum.loader import load_course
    from dllab.curriculum.model import ChartKind

    lesson = load_course().lesson(lesson_id)
    arms = list(dict.fromkeys(m["arm"] for m in metrics))
    windows = client.windows(env)
    assert set(windows) == {c.id for c in lesson.charts}
    for spec in lesson.charts:
        window = windows[spec.id]
        assert window["title"] == spec.title["en"]
        by_name = traces(window)
        if spec.kind is ChartKind.LINE:
            assert window["content"]["layout"]["xaxis"]["title"] == "step"
            many = len(spec.metrics) > 1
            for arm in arms:
                for metric in spec.metrics:
                    name = arm + (f" {metric}" if many else "")
                    rows = [m for m in metrics if m["arm"] == arm and m["name"] == metric]
                    assert rows, f"no {metric} for {arm}"
                    assert by_name[name]["x"] == [m["step"] for m in rows], (spec.id, name)
                    assert by_name[name]["y"] == [m["value"] for m in rows], (spec.id, name)
                    if spec.smooth:
                        assert len(by_name[f"{name} (EMA)"]["y"]) == len(rows)
        elif spec.kind is ChartKind.BARS:
            assert window["content"]["layout"]["xaxis"]["title"] == "layer"
            for arm in arms:
                series: dict[str, list[Any]] = {}
                for m in metrics:
                    if m["arm"] == arm and m["name"].startswith(spec.prefix):
                        series.setdefault(m["name"][len(spec.prefix) :], []).append(m["value"])
                pick = 0 if spec.at == "first" else -1
                assert by_name[arm]["x"] == list(series)
                assert by_name[arm]["y"] == [v[pick] for v in series.values()]
