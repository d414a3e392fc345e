"""Click options shared by several commands (one definition, one default URL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

DEFAULT_VISDOM_URL = "http://127.0.0.1:8097"
"""Where `dllab visdom` serves by default."""


def visdom_option(help_text: str) -> Callable[[Any], Any]:
    """`--visdom[=URL]`: a flag that takes an optional URL (default DEFAULT_VISDOM_URL)."""
    return click.option(
        "--visdom",
        "visdom_url",
        is_flag=False,
        flag_value=DEFAULT_VISDOM_URL,
        default=None,
        metavar="[URL]",
        help=f"{help_text} [default URL {DEFAULT_VISDOM_URL}]",
    )
