"""Text charts in Visdom: one text pane per chart, each arm's decoded text, escaped."""

from __future__ import annotations

import pytest

from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.mirrors._windows import TextWindow, chart_windows
from tests.mirrors.conftest import VisdomServer

SPEC = ChartSpec("sample", {"en": "Sample"}, ChartKind.TEXT, prefix="sample/")


def feed(window: TextWindow, arm: str, step: int, text: str) -> None:
    for i, c in enumerate(text):
        window.add(MetricPoint("r", arm, step, f"sample/{i}", float(ord(c))))
    window.add(MetricPoint("r", arm, step, f"sample/{len(text)}", -1.0))


def test_text_window_sends_each_arms_text_as_one_pane() -> None:
    [window] = chart_windows([SPEC], ["detach", "keep"])
    assert isinstance(window, TextWindow)
    feed(window, "detach", 0, "a < b\nc")
    feed(window, "keep", 1, "RuntimeError")
    window.add(MetricPoint("r", "detach", 0, "loss", 1.0))  # not this chart's
    endpoint, body = window.message("env", create=True)
    assert endpoint == "events" and body["win"] == "sample" and body["eid"] == "env"
    [pane] = body["data"]
    assert pane["type"] == "text"
    assert pane["content"] == (
        "<b>detach</b><pre>a &lt; b\nc</pre><b>keep</b><pre>RuntimeError</pre>"
    )
    feed(window, "detach", 9, "new")  # a later, shorter text replaces the earlier one
    assert "<pre>new</pre>" in window.message("env", create=False)[1]["data"][0]["content"]


@pytest.mark.slow
def test_text_window_round_trip(visdom_server: VisdomServer) -> None:
    from dllab.mirrors._client import VisdomClient
    from dllab.mirrors.visdom import VisdomSender

    [window] = chart_windows([SPEC], ["a"])
    sender = VisdomSender(VisdomClient(visdom_server.url), "env", [window])
    for i, c in enumerate("Zen"):
        sender.add(MetricPoint("r", "a", 0, f"sample/{i}", float(ord(c))))
    sender.send_all()
    pane = visdom_server.client().windows("env")["sample"]
    assert pane["type"] == "text" and "<pre>Zen</pre>" in pane["content"]
