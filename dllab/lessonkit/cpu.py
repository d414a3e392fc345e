"""CPU settings for lessons whose tensors are tiny.

On a small, busy CPU, PyTorch's intra-op thread pool costs more than it saves
for tensors of a few dozen numbers: a 3-4-2 MLP step measured 7x slower with
2 threads than with 1 under load. Lessons with tiny tensors run single-threaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with one intra-op thread; restore the previous count afterwards.

    Use it around a lesson's loop (the generator's `finally` restores the
    setting when the engine closes the arm).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
