"""`dllab diagnose`: find the bugs in a user's own model and training loop.

Static evidence (`static.py`, the AST of the script) and dynamic evidence (the
script run in a child process with probes attached from outside: `child.py`,
`_instrument.py`, `_recorder.py`) are combined per finding by the rules in
`rules/`, one check per file. `api.diagnose_file` returns a `Report`;
`render.py` formats it for the terminal and `command.py` is the CLI.

Importing this package (or `api`) never imports torch; only the child does.
"""

from __future__ import annotations

__all__ = ["api", "findings", "report"]
