"""Bytes autograd keeps for backward during a computation: the graph `no_grad` skips.

`saved_tensor_bytes(fn)` runs `fn()` under `torch.autograd.graph.saved_tensors_hooks`
and adds up every tensor autograd packs for a later backward pass. Under
`torch.no_grad()` (or `inference_mode`) nothing is packed and the count is 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from torch import Tensor

_T = TypeVar("_T")


def saved_tensor_bytes(fn: Callable[[], _T]) -> tuple[_T, int]:
    """`fn()`'s result and the bytes of the tensors autograd saved for backward while it ran."""
    import torch

    total = 0

    def pack(t: Tensor) -> Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        result = fn()
    return result, total
