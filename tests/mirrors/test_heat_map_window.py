"""A 2-D heat map (lesson 24's kernels) through a real Visdom server: stored as sent."""

from __future__ import annotations

import importlib.util

import pytest

from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.mirrors._windows import HeatWindow
from tests.mirrors.conftest import VisdomServer

needs_visdom = pytest.mark.skipif(
    importlib.util.find_spec("visdom") is None, reason="visdom is not installed"
)


@pytest.mark.slow
@needs_visdom
def test_kernel_maps_round_trip(visdom_server: VisdomServer) -> None:
    from dllab.mirrors._client import VisdomClient
    from dllab.mirrors.visdom import VisdomSender

    spec = ChartSpec("kernel", {"en": "Kernel"}, ChartKind.HEAT, prefix="kernel/")
    window = HeatWindow(spec, ["mlp", "a", "b"], "en")
    sender = VisdomSender(VisdomClient(visdom_server.url), "env", [window])
    for arm, sign in (("a", 1.0), ("b", -1.0)):
        for r in (1, 2):
            for c in (1, 2):
                sender.add(MetricPoint("r", arm, 0, f"kernel/{r},{c}", sign * (10 * r + c) / 100))
    sender.send_all()
    stored = visdom_server.client().windows("env")["kernel"]["content"]
    [trace] = stored["data"]
    assert trace["z"] == [[0.11, 0.12, None, -0.11, -0.12], [0.21, 0.22, None, -0.21, -0.22]]
    assert trace["x"] == ["a 1", "a 2", " ", "b 1", "b 2"] and trace["zmid"] == 0
    assert stored["layout"]["yaxis"]["autorange"] == "reversed"
