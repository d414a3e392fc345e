"""Shared fixtures: every test gets its own dllab data dir (runs, progress)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def dllab_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DLLAB_HOME at a fresh temporary folder so tests never touch the user's data."""
    home = tmp_path_factory.mktemp("dllab-home")
    monkeypatch.setenv("DLLAB_HOME", str(home))
    return home
