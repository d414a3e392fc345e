"""Exit codes of the `dllab` command, in one place (like posting's exit_codes.py)."""

from __future__ import annotations

OK = 0
"""Success: the run completed, the claim holds, nothing at or above --fail-on."""

FAILED = 1
"""The command ran but the answer is no: a claim failed, findings were reported, a check failed."""

USAGE = 2
"""Bad input: unknown lesson or knob, value out of range, bad device, unreadable script."""

INTERRUPTED = 130
"""The user pressed Ctrl-C."""

STDOUT_CLOSED = 141
"""Whoever read stdout went away (`dllab run --json | head -1`): 128 + SIGPIPE, as `yes | head` gives."""
