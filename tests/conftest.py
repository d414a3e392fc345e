"""Shared fixtures: every test gets its own dllab data dir (runs, progress)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def dllab_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DLLAB_HOME at a fresh temporary folder so tests never touch the user's data."""
    home = tmp_path_factory.mktemp("dllab-home")
    monkeypatch.setenv("DLLAB_HOME", str(home))
    # no training child started ahead for every lesson a test opens (each imports torch);
    # tests/tui/test_prewarm.py turns it on where it is what is tested
    monkeypatch.setenv("DLLAB_PREWARM", "0")
    return home


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds (every wait has one)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(0.01)
