"""`dllab diagnose --visdom` charts, and the chart → Visdom message mapping."""

from __future__ import annotations

import importlib.util
import math

import pytest

from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.mirrors._windows import BarsWindow, LineWindow, XYWindow
from tests.mirrors.conftest import VisdomServer, free_port, traces

needs_visdom = pytest.mark.skipif(
    importlib.util.find_spec("visdom") is None, reason="visdom is not installed"
)


def point(arm: str, step: int, name: str, value: float) -> MetricPoint:
    return MetricPoint("r", arm, step, name, value)


def test_line_window_is_resent_whole_then_appends_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dllab.mirrors._windows as windows

    spec = ChartSpec(
        "loss", {"en": "Training loss"}, ChartKind.LINE, metrics=("loss",), smooth=True, hline=2.3
    )
    window = LineWindow(spec, ["a", "b"], "en")
    for step, value in enumerate([1.0, math.nan, 0.5]):
        window.add(point("a", step, "loss", value))
    window.add(point("b", 0, "other", 9.0))  # not on this chart
    endpoint, body = window.message("env", create=False)
    assert endpoint == "events"  # replacing a window is cheap for the server, appending is not
    by_name = {t["name"]: t for t in body["data"]}
    assert list(by_name) == ["a", "a (EMA)", "b", "b (EMA)"]
    assert by_name["a"]["y"] == [1.0, None, 0.5]  # NaN travels as null, like the JSON stream
    assert by_name["a (EMA)"]["y"] == [1.0, 1.0, 0.95]
    assert by_name["b"]["x"] == []
    assert body["layout"]["shapes"][0]["y0"] == 2.3
    window.sent()
    window.add(point("a", 3, "loss", 0.25))
    assert window.message("env", create=False)[1]["data"][0]["x"] == [0, 1, 2, 3]
    # past the limit: one /update with every trace, only what is new, and nothing kept
    monkeypatch.setattr(windows, "REPLACE_LIMIT", 4)
    window.sent()
    assert window.appends and window._traces[0].xs == []
    window.add(point("a", 4, "loss", 0.2))
    endpoint, body = window.message("env", create=False)
    assert endpoint == "update" and body["append"] is True and "name" not in body
    assert [t["x"] for t in body["data"]] == [[4], [4], [], []]


def test_bars_at_first_keep_the_first_value_and_xy_pairs_by_step() -> None:
    bars = BarsWindow(
        ChartSpec("g", {"en": "g"}, ChartKind.BARS, prefix="g/", at="first", log_y=True),
        ["a"],
        "en",
    )
    bars.add(point("a", 0, "g/L1", 1e-6))
    bars.add(point("a", 1, "g/L1", 5.0))
    endpoint, body = bars.message("env", create=False)
    assert endpoint == "events" and body["data"][0]["y"] == [1e-6]
    assert body["layout"]["yaxis"]["type"] == "log"
    xy = XYWindow(
        ChartSpec("p", {"en": "p"}, ChartKind.XY, x="w1", y="w2", marks=((1.0, 1.0),)), ["a"], "en"
    )
    xy.add(point("a", 0, "w1", 0.1))
    xy.add(point("a", 0, "w2", 0.2))
    xy.add(point("a", 1, "w1", 0.3))  # its y has not come yet
    _, body = xy.message("env", create=True)
    assert (body["data"][0]["x"], body["data"][0]["y"]) == ([0.1], [0.2])
    assert body["data"][1]["x"] == [1.0]  # the marks go with the window's creation


@pytest.mark.slow
@needs_visdom
def test_mirror_report_sends_the_per_layer_charts(visdom_server: VisdomServer) -> None:
    from dllab.mirrors.report import mirror_layer_charts

    notices: list[str] = []
    env = mirror_layer_charts(
        "train.py",
        visdom_server.url,
        grad_norms={"fc1": 1e-7, "fc2": 0.5},
        dead_fractions={"relu1": 0.75},
        notify=notices.append,
    )
    assert env is not None and env.startswith("diagnose-train-")
    windows = visdom_server.client().windows(env)
    grad = traces(windows["grad_norms"])["train.py"]
    assert (grad["x"], grad["y"]) == (["fc1", "fc2"], [1e-7, 0.5])
    assert traces(windows["dead_fractions"])["train.py"]["y"] == [0.75]


def test_mirror_report_with_the_server_down_is_one_notice() -> None:
    from dllab.mirrors.report import mirror_layer_charts

    notices: list[str] = []
    sent = mirror_layer_charts(
        "train.py",
        f"http://127.0.0.1:{free_port()}",
        grad_norms={"fc1": 1.0},
        dead_fractions={},
        notify=notices.append,
    )
    assert sent is None
    assert len(notices) == 1 and "not reachable" in notices[0]


@pytest.mark.slow
@needs_visdom
def test_xy_and_heat_windows_round_trip(visdom_server: VisdomServer) -> None:
    """Trajectories append across requests; heat maps are replaced whole."""
    from dllab.mirrors._client import VisdomClient
    from dllab.mirrors._windows import HeatWindow
    from dllab.mirrors.visdom import VisdomSender

    xy = XYWindow(
        ChartSpec("path", {"en": "Path"}, ChartKind.XY, x="w1", y="w2", marks=((3.0, 2.0),)),
        ["a", "b"],
        "en",
    )
    heat = HeatWindow(
        ChartSpec("attn", {"en": "Attention"}, ChartKind.HEAT, prefix="attn/"), ["a", "b"], "en"
    )
    sender = VisdomSender(VisdomClient(visdom_server.url), "env", [xy, heat])
    for step in range(2):
        for arm in ("a", "b"):
            for name, value in (
                ("w1", step + 0.5),
                ("w2", -step),
                ("attn/0", 0.1 * step),
                ("attn/1", 1.0),
            ):
                sender.add(point(arm, step, name, value))
        sender.send_all()  # step 0 creates the windows, step 1 appends / replaces
    windows = visdom_server.client().windows("env")
    path = traces(windows["path"])
    assert (path["a"]["x"], path["a"]["y"]) == ([0.5, 1.5], [0, -1])
    assert (path["marks"]["x"], path["marks"]["y"]) == ([3.0], [2.0])
    [strip] = windows["attn"]["content"]["data"]
    assert strip["z"] == [[0.1, 1.0], [0.1, 1.0]] and strip["y"] == ["a", "b"]
