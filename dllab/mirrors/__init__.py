"""Mirrors of a run outside the terminal: Visdom (optional extra `dllab[visdom]`).

Nothing here imports `visdom` (or torch): the mirror speaks Visdom's JSON API
over HTTP with the standard library (`_client.py` says why). Only `dllab
visdom`, which starts a server, needs the package, and only in the server's
own process.
"""

from __future__ import annotations

__all__ = ["DEFAULT_URL", "VisdomMirror", "VisdomUnavailable"]

from dllab.mirrors._client import DEFAULT_URL, VisdomUnavailable
from dllab.mirrors.visdom import VisdomMirror
