"""CPU settings for lessons whose tensors are tiny.

On a small, busy CPU, PyTorch's intra-op thread pool costs more than it saves
for tensors of a few dozen numbers: a 3-4-2 MLP step measured 7x slower with
2 threads than with 1 under load. Lessons with tiny tensors run single-threaded.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

_state = threading.local()
"""Per thread: how many `single_thread` blocks are open, and the count to restore."""


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with one intra-op thread; restore the previous count when the last block ends.

    Use it around a lesson's loop: the engine interleaves the arms' generators and
    closes them in any order, so the blocks nest by count, not by stack order (the
    first arm to finish must not restore two threads while another arm still runs,
    and the last one must not "restore" the 1 it found).
    """
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        _state.saved = torch.get_num_threads()
        torch.set_num_threads(1)
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            torch.set_num_threads(_state.saved)
