"""The lesson screen's status line: device · state · step · steps/s · elapsed · ETA."""

from __future__ import annotations

from collections.abc import Sequence

from dllab.engine.history import RunHistory
from dllab.tui.i18n import tr

STATES = ("idle", "starting", "running", "paused", "stopping")
"""Run states before the end; the end is 'ended:<status>' (completed, stopped, failed)."""


def state_word(state: str, lang: str) -> str:
    """A run state in words."""
    if state.startswith("ended:"):
        return tr("ended", lang, status=tr(state[len("ended:") :], lang))
    return tr(state, lang) if state in STATES else state


def run_progress(
    history: RunHistory,
    arms: Sequence[str],
    steps: int,
    elapsed_s: float,
    running: bool,
    lang: str,
) -> list[str]:
    """Step, steps/s over all arms, elapsed and (while running) ETA, as status-line parts."""
    done = sum(max(0, history.last_step(a) + 1) for a in arms)
    total = steps * max(1, len(arms))
    elapsed_s = max(1e-6, elapsed_s)
    rate = done / elapsed_s
    step = max((history.last_step(a) + 1 for a in arms), default=0)
    parts = [f"{step}/{steps}", f"{rate:.0f} {tr('steps', lang)}/s", f"{elapsed_s:.0f}s"]
    if running and rate > 0:
        parts.append(f"{tr('eta', lang)} {max(0.0, (total - done) / rate):.0f}s")
    return parts
