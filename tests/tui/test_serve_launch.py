"""`dllab serve`, `launch()` options, language detection, GPU label, Visdom notice."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from dllab.commands.serve import lab_command, ssh_hint
from dllab.tui import gpu
from dllab.tui.app import LabApp
from dllab.tui.i18n import detect_lang

from .conftest import wait_until


def test_lab_command_and_ssh_hint() -> None:
    command = lab_command(lang="zh", fps=2, device="cpu")
    assert "-m dllab" in command and "--lang zh" in command and "--fps 2" in command
    assert ssh_hint(8123).startswith("ssh -N -L 8123:127.0.0.1:8123 ")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_binds_localhost_and_prints_the_ssh_line() -> None:
    pytest.importorskip("textual_serve")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dllab", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert b"textual.js" in page
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"ssh -N -L {port}:127.0.0.1:{port}" in out
    assert f"http://127.0.0.1:{port}" in out


def test_language_from_flag_then_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert detect_lang(None) == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert detect_lang(None) == "zh"
    assert detect_lang("en") == "en"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert detect_lang(None) == "en"


def test_gpu_label_without_torch() -> None:
    assert gpu.describe("") == "CPU"
    assert gpu.describe("cpu") == "CPU"
    assert gpu.describe("cuda:1 (NVIDIA H100 80GB HBM3)") == "GPU NVIDIA H100 80GB HBM3"
    assert gpu.device_index("cuda:1 (x)") == 1
    assert isinstance(gpu.nvml_stats(0), str)  # '' without pynvml or a GPU, never raises


def test_launch_routes_logging_away_from_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from dllab.commands import lab as launch_module

    seen: dict[str, object] = {}

    class FakeApp:
        return_code = 0

        def run(self, mouse: bool) -> int:
            seen["mouse"] = mouse
            seen["handlers"] = list(logging.getLogger().handlers)
            logging.getLogger("dllab.test").warning("to the file, not the screen")
            return 0

    def fake_make_app(**options: object) -> FakeApp:
        seen.update(options)
        return FakeApp()

    monkeypatch.setattr("dllab.tui.app.make_app", fake_make_app)
    monkeypatch.setenv("TERM", "linux")
    root = logging.getLogger()
    saved = list(root.handlers)
    root.addHandler(logging.StreamHandler(sys.stderr))
    try:
        code = launch_module.launch(
            lang=None, fps=4.0, mouse=False, ascii_markers=False, device="auto", visdom_url=None
        )
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if isinstance(handler, logging.FileHandler):
                handler.close()
        for handler in saved:
            root.addHandler(handler)
    assert code == 0
    assert seen["ascii_markers"] is True, "TERM=linux has no braille"
    assert seen["mouse"] is False
    handlers = seen["handlers"]
    assert isinstance(handlers, list)
    assert not any(type(h) is logging.StreamHandler for h in handlers), (
        "no handler may write to the terminal behind the UI"
    )
    log = Path(os.environ["DLLAB_HOME"]) / "lab.log"
    assert "to the file" in log.read_text(encoding="utf-8")


@pytest.mark.slow
async def test_visdom_notice_shows_in_the_status_line(lab: Callable[..., LabApp]) -> None:
    pytest.importorskip("dllab.mirrors.visdom")
    app = lab(visdom_url=f"http://127.0.0.1:{_free_port()}")  # nothing listens there
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "r")
        screen = app.screen
        await wait_until(pilot, lambda: "Visdom" in app.status_notice(), 30)
        await wait_until(pilot, lambda: not screen.run.running, 30)  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        assert "Visdom" in screen.status_text()  # type: ignore[attr-defined]


async def test_no_color_is_respected(
    lab: Callable[..., LabApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = lab()
    assert app.no_color, "Textual turns NO_COLOR into a monochrome filter"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert app.screen.name == "decay"
