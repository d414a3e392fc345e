"""The server dies mid-run: training completes, one notice, sending resumes, replay fills in."""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

import pytest

from dllab.curriculum.loader import load_course
from dllab.engine import MetricPoint, Run, Subscriber, apply_settings, default_config
from dllab.engine.records import load_run
from dllab.mirrors import VisdomMirror
from dllab.mirrors.replay import replay_to_visdom
from tests.mirrors.conftest import VisdomServer, assert_mirrored, start_server, traces

if importlib.util.find_spec("visdom") is None:
    pytest.skip("visdom is not installed (pip install 'dllab[visdom]')", allow_module_level=True)

LESSON = "vanishing-gradients"


class Outage(Subscriber):
    """Kills the server at step `kill_at` (once the mirror has sent something), restarts it at `back_at`."""

    def __init__(
        self, server: VisdomServer, mirror: VisdomMirror, kill_at: int, back_at: int
    ) -> None:
        self.server = server
        self.mirror = mirror
        self.kill_at = kill_at
        self.back_at = back_at
        self.restarted: VisdomServer | None = None

    def on_metrics(self, points: list[MetricPoint]) -> None:
        step = points[0].step
        if step == self.kill_at and self.server.proc.poll() is None:
            wait_for(lambda: self.mirror.sent_points > 0, "the mirror to send before the outage")
            self.server.kill()  # SIGKILL: the server loses its unsaved envs
        elif step == self.back_at and self.restarted is None:
            # the points of the steps since the kill could not be sent
            wait_for(lambda: self.mirror.state == "down", "the mirror to notice the outage")
            self.restarted = start_server(self.server.env_path, self.server.port)
            wait_for(lambda: self.mirror.state == "up", "the mirror to resume")


def wait_for(condition, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_outage_mid_run(visdom_server: VisdomServer, tmp_path: Path) -> None:
    lesson = load_course().lesson(LESSON)
    config = apply_settings(lesson, default_config(lesson), [])
    config.device, config.steps = "cpu", 30
    notices: list[str] = []
    mirror = VisdomMirror(visdom_server.url, notify=notices.append, interval_s=0.1, retry_s=0.3)
    outage = Outage(visdom_server, mirror, kill_at=5, back_at=12)
    run = Run(lesson, config, [outage, mirror]).start()
    result = run.wait(timeout=600)
    assert result is not None and result.status.value == "completed", result.message[:600]
    assert mirror.wait(30)
    server = outage.restarted
    assert server is not None
    try:
        down = [n for n in notices if "not reachable" in n]
        assert len(down) == 1, notices
        assert any("mirroring resumed" in n for n in notices), notices
        # the restarted server lost the env (SIGKILL); the mirror re-sent its windows whole,
        # so the live view has every step again, before any replay
        record = load_run(run.run_id)
        points = list(record.points())
        client = server.client()
        assert traces(client.window(run.run_id, "loss"))["relu"]["x"] == list(range(30))
        # replay delivers every point (and replaces the windows: no duplicates)
        assert replay_to_visdom(record, server.url) == len(points)
        metrics = [
            {
                "arm": p.arm,
                "step": p.step,
                "name": p.name,
                "value": p.value if math.isfinite(p.value) else None,
            }
            for p in points
        ]
        assert_mirrored(client, run.run_id, LESSON, metrics)
    finally:
        server.stop()
