"""Shared machinery of the probes that own hooks (torchinfo-style hygiene).

A hook-owning probe keeps every `RemovableHandle` in a dict keyed by the
module's qualified name and removes them all in `close()`, which `__exit__`
calls, so a probe never outlives the block that attached it. Results are
converted to plain Python floats on the CPU as soon as they are read.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from torch import Tensor
    from torch.utils.hooks import RemovableHandle


_P = TypeVar("_P", bound="HookProbe")


class HookProbe:
    """Base of the probes that attach hooks to a model.

    Subclasses register hooks through `_keep(name, handle)` and read their
    results with `to_floats()`; `close()` removes every hook.
    """

    def __init__(self) -> None:
        self._handles: dict[str, RemovableHandle] = {}
        """Hook handles by qualified module name, removed in `close()`."""

    def _keep(self, name: str, handle: RemovableHandle) -> None:
        old = self._handles.pop(name, None)
        if old is not None:
            old.remove()
        self._handles[name] = handle

    @property
    def attached(self) -> int:
        """How many hooks the probe holds right now."""
        return len(self._handles)

    def close(self) -> None:
        """Remove every hook the probe attached (safe to call twice)."""
        handles, self._handles = self._handles, {}
        for handle in handles.values():
            handle.remove()

    def __enter__(self: _P) -> _P:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def to_floats(values: list[Tensor]) -> list[float]:
    """Scalar tensors (on any device) to Python floats with one device sync."""
    if not values:
        return []
    import torch

    first = values[0]
    if all(v.dim() == 0 and v.dtype == first.dtype and v.device == first.device for v in values):
        # The usual case (norms of one model): one stack and one transfer, no op per value.
        with torch.no_grad():
            return [float(x) for x in torch.stack(values).tolist()]
    stacked = torch.stack([v.detach().reshape(()).float() for v in values])
    return [float(x) for x in stacked.cpu().tolist()]
