"""Cheap fingerprints of tensors and parameters, to compare what processes hold.

Under `DistributedDataParallel` every rank should see different batches and
hold the same parameters. Neither can be checked by shipping the tensors
around, so each rank keeps a short fingerprint that another rank's can be
compared with: equal data gives equal fingerprints (the same arithmetic on
the same values), different data almost surely different ones.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

SAMPLE = 512
"""Elements of a tensor that its fingerprint reads (evenly strided over the whole tensor)."""


def tensor_fingerprint(tensor: Tensor) -> str:
    """A short hex digest of `tensor`'s shape and of `SAMPLE` of its values.

    Reads at most `SAMPLE` evenly spaced elements, so a large image batch costs a
    512-element copy to the CPU (one device sync), not a pass over the batch.
    """
    import torch

    flat = tensor.detach()
    if not flat.is_contiguous():
        flat = flat.contiguous()
    flat = flat.reshape(-1)
    n = flat.numel()
    if n > SAMPLE:
        flat = flat[:: n // SAMPLE][:SAMPLE]
    if flat.is_complex():
        flat = torch.view_as_real(flat).reshape(-1)
    values = flat.to("cpu", torch.float64).tolist()
    digest = hashlib.blake2b(repr(tuple(tensor.shape)).encode(), digest_size=8)
    digest.update(struct.pack(f"<{len(values)}d", *values))
    return digest.hexdigest()


def param_checksums(params: Iterable[Tensor], limit: int = 64) -> list[float]:
    """Per parameter tensor (the first `limit`): its sum and its sum of squares, in float64.

    Two processes holding the same weights get exactly the same numbers (the same
    reductions on the same values); one device sync for all of them.
    """
    import torch

    tensors = [p.detach() for p in params][:limit]
    if not tensors:
        return []
    sums = []
    for t in tensors:
        wide = t.to(torch.float64)
        sums += [wide.sum(), (wide * wide).sum()]
    return [float(x) for x in torch.stack(sums).cpu().tolist()]
