"""Where in the user's code: which frames are the user's, and events counted per line (child only)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from dllab.diagnose.observations import Event, SiteRecord

_DLLAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Site:
    """Counters for one source line of the user's code."""

    file: str
    line: int
    count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> SiteRecord:
        return {"file": self.file, "line": self.line, "count": self.count, **self.extra}  # type: ignore[typeddict-item]


class UserCode:
    """Tells the user's frames from torch's, dllab's and installed packages'."""

    def __init__(self, script: str) -> None:
        self.script = os.path.abspath(script)
        self.script_dir = os.path.dirname(self.script)
        self._cache: dict[str, bool] = {}
        self.sites: dict[Event, dict[tuple[str, int], Site]] = {}

    def is_user_file(self, filename: str) -> bool:
        known = self._cache.get(filename)
        if known is None:
            path = os.path.abspath(filename)
            known = (
                path.startswith(self.script_dir + os.sep)
                and not path.startswith(_DLLAB_DIR + os.sep)
                and "site-packages" not in path
                and os.sep + ".venv" + os.sep not in path
            )
            self._cache[filename] = known
        return known

    def user_site(self) -> tuple[str, int] | None:
        """The innermost frame of the user's own files on the current stack."""
        cache = self._cache  # read directly: this walk runs on every loss call
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            known = cache.get(name)
            if known is None:  # a file not seen before: decide once
                known = self.is_user_file(name)
            if known:
                return name, frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def user_stack(self, limit: int) -> list[tuple[str, int]]:
        """The user's frames on the current stack, innermost first (at most `limit`)."""
        stack: list[tuple[str, int]] = []
        frame = sys._getframe(1)
        while frame is not None and len(stack) < limit:
            if self.is_user_file(frame.f_code.co_filename):
                stack.append((frame.f_code.co_filename, frame.f_lineno))
            frame = frame.f_back  # type: ignore[assignment]
        return stack

    def direct_user_caller(self) -> tuple[str, int] | None:
        """The user's frame when a torch function was called from user code directly.

        Frames of torch's dispatch (`overrides.py`, `functional.py`, `_tensor.py`) and
        of dllab are skipped; a torch module's `forward` in between means the call came
        from a module (e.g. `nn.ReLU`), which the module hooks already see.
        """
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(_DLLAB_DIR) or name.endswith(
                ("overrides.py", os.sep + "functional.py", "_tensor.py")
            ):
                frame = frame.f_back  # type: ignore[assignment]
                continue
            return (name, frame.f_lineno) if self.is_user_file(name) else None
        return None

    def hit(self, kind: Event, where: tuple[str, int] | None, **extra: Any) -> Site | None:
        """Count one event of `kind` at a user source line."""
        if where is None:
            return None
        bucket = self.sites.setdefault(kind, {})
        site = bucket.get(where)
        if site is None:
            site = bucket[where] = Site(where[0], where[1])
        site.count += 1
        site.extra.update(extra)
        return site

    def records(self) -> dict[str, list[SiteRecord]]:
        return {
            kind.value: [s.as_record() for s in bucket.values()]
            for kind, bucket in self.sites.items()
        }
