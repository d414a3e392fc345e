"""`dllab` with no subcommand: open the lab.

Logging goes to a file in the data dir, never to the terminal behind the UI
(Textual draws on the terminal; a stderr log handler would write over it).
"""

from __future__ import annotations

import logging
import os

from dllab import exit_codes

ASCII_TERMS = ("linux", "vt100", "vt220", "dumb")
"""Terminals whose font has no braille: charts use ASCII markers there."""


def _route_logging() -> None:
    from dllab.paths import data_dir

    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            root.removeHandler(handler)
    sink: logging.Handler
    try:
        sink = logging.FileHandler(data_dir() / "lab.log", encoding="utf-8")
    except OSError:
        sink = logging.NullHandler()
    sink.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(sink)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)


def launch(
    *,
    lang: str | None,
    fps: float,
    mouse: bool,
    ascii_markers: bool,
    device: str,
    visdom_url: str | None,
) -> int:
    """Run the lab in this terminal until the learner quits; returns the exit code."""
    from dllab.engine.device import check_device_spec

    _route_logging()
    device = check_device_spec(device)
    ascii_markers = ascii_markers or os.environ.get("TERM", "") in ASCII_TERMS
    from dllab.tui.app import make_app

    app = make_app(
        lang=lang,
        fps=fps,
        mouse=mouse,
        ascii_markers=ascii_markers,
        device=device,
        visdom_url=visdom_url,
    )
    result = app.run(mouse=mouse)
    if app.return_code not in (None, 0):
        return int(app.return_code or exit_codes.FAILED)
    return int(result or 0)
