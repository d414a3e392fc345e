"""Keep Python's cycle collector off the objects the lab keeps for its whole life.

Once the lab is up (Textual, Rich, plotext, a lesson's widgets and parsed text:
about 90,000 objects), a full collection walks every one of them: measured at
80x24 during a run, 360 ms on a busy 2-core box, and a key pressed then waits
for it. These objects live as long as the lab or the lesson screen (screens are
kept installed), so `gc.freeze()` moves them to the permanent generation, which
collections skip; what is made later is collected as usual. A cycle that was
already garbage when frozen is freed only after `release()`, when the lab ends
(a process that builds several labs, as the tests do, gets its memory back).
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Exempt every object alive now from future collections (call once things are built)."""
    gc.freeze()


def release() -> None:
    """Let collections see the frozen objects again (the lab is ending)."""
    gc.unfreeze()
