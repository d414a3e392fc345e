"""lessonkit.cpu.single_thread: one intra-op thread while any arm runs, the old count after the last."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from dllab.lessonkit.cpu import single_thread


def _arm() -> Iterator[int]:
    with single_thread():
        for _ in range(3):
            yield torch.get_num_threads()


def test_interleaved_arms_restore_the_count_once_all_have_closed() -> None:
    """Arms closed in start order (as the engine does) must not leak 1 thread, nor restore early."""
    before = torch.get_num_threads()
    first, second = _arm(), _arm()
    assert next(first) == 1 and next(second) == 1
    first.close()
    assert next(second) == 1  # the other arm still runs single-threaded
    second.close()
    assert torch.get_num_threads() == before
