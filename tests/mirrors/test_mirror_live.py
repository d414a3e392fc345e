"""A headless run with --visdom shows every chart, arm and point in a real Visdom server."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.mirrors.conftest import VisdomServer, assert_mirrored, free_port, json_metrics

if importlib.util.find_spec("visdom") is None:
    pytest.skip("visdom is not installed (pip install 'dllab[visdom]')", allow_module_level=True)

pytestmark = pytest.mark.slow  # a real Visdom server and real lesson runs

LESSON = "vanishing-gradients"


def dllab_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dllab", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )


def test_every_chart_arm_and_point_arrives(visdom_server: VisdomServer) -> None:
    """The windows read back through Visdom's API equal the JSON metric stream."""
    done = dllab_run("run", LESSON, "--steps", "20", "--json", "--visdom", visdom_server.url)
    assert done.returncode == 0, done.stderr
    start, metrics = json_metrics(done.stdout.splitlines())
    assert len(metrics) > 20 * 2 * 10
    client = visdom_server.client()
    assert start["run"] in client.env_list()  # one env per run, named after lesson and time
    assert start["run"].startswith(LESSON)
    assert_mirrored(client, start["run"], LESSON, metrics)
    assert "dllab:" not in done.stderr  # no notice when the server is up
    # `dllab runs replay RUN --visdom URL` re-creates the same windows: no duplicated points
    replay = dllab_run("runs", "replay", start["run"], "--visdom", visdom_server.url)
    assert replay.returncode == 0, replay.stderr
    assert f"Sent {len(metrics)} points" in replay.stdout
    assert_mirrored(client, start["run"], LESSON, metrics)


def test_replay_with_the_server_down_is_a_clear_error() -> None:
    done = dllab_run("run", LESSON, "--steps", "2", "--json")
    start, _ = json_metrics(done.stdout.splitlines())
    url = f"http://127.0.0.1:{free_port()}"
    replay = dllab_run("runs", "replay", start["run"], "--visdom", url)
    assert replay.returncode == 2
    assert "not reachable" in replay.stderr and "dllab visdom" in replay.stderr


def test_server_down_at_start_one_notice_and_full_run() -> None:
    """No server: the run completes with every point, and says so once on stderr."""
    url = f"http://127.0.0.1:{free_port()}"
    done = dllab_run("run", LESSON, "--steps", "20", "--json", "--visdom", url)
    assert done.returncode == 0, done.stderr
    _, metrics = json_metrics(done.stdout.splitlines())
    assert {(m["arm"], m["step"]) for m in metrics if m["name"] == "loss"} == {
        (arm, step) for arm in ("sigmoid", "relu") for step in range(20)
    }
    notices = [line for line in done.stderr.splitlines() if "not reachable" in line]
    assert len(notices) == 1, done.stderr
    assert "dllab runs replay" in notices[0]
