"""Where dllab finds its lessons and assets, and where it keeps user data.

In a source checkout (or an editable install) `lessons/` and `assets/` sit next
to the `dllab/` package. A wheel carries them inside the package as
`dllab/_lessons` and `dllab/_assets` (see `pyproject.toml`), so a plain
`pip install .` still finds them.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(installed_name: str, checkout_name: str) -> Path:
    installed = _PACKAGE / installed_name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / checkout_name


def lessons_dir() -> Path:
    """The course folder: `DLLAB_LESSONS` if set (tests use it), else the bundled one."""
    override = os.environ.get("DLLAB_LESSONS")
    return Path(override) if override else _bundled("_lessons", "lessons")


def assets_dir() -> Path:
    """Bundled data sets and screenshots."""
    return _bundled("_assets", "assets")


def data_dir() -> Path:
    """Per-user data: run records, progress. `DLLAB_HOME` overrides (tests use it)."""
    override = os.environ.get("DLLAB_HOME")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("dllab", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_dir() -> Path:
    """Where every run writes its record (`config.json`, `metrics.jsonl`, `run.log`)."""
    path = data_dir() / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path
