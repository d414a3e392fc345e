"""Bounded metric history: flat memory for a run of any length.

Each series keeps the most recent points at full resolution and folds older
points into min/max/mean buckets whose width doubles whenever there are too many
of them. A chart asks for at most N points over any step range and gets min/max
pairs per bucket, so a one-step loss spike survives downsampling.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from dllab.engine.events import MetricPoint

RECENT_POINTS = 2048
"""Points kept at full resolution per series (covers every default lesson run)."""

MAX_BUCKETS = 512
"""Older history is folded into at most this many buckets per series."""


@dataclass(slots=True)
class Bucket:
    """Summary of a run of consecutive older points."""

    first_step: int
    last_step: int
    lo: float
    hi: float
    total: float
    count: int
    """Finite values in the bucket."""
    n: int = 1
    """All points in the bucket, finite or not."""

    @property
    def mean(self) -> float:
        """Mean of the finite values in the bucket (NaN if none)."""
        return self.total / self.count if self.count else math.nan

    def merge(self, other: Bucket) -> Bucket:
        """The bucket covering self followed by other."""
        return Bucket(
            self.first_step,
            other.last_step,
            _fmin(self.lo, other.lo),
            _fmax(self.hi, other.hi),
            self.total + other.total,
            self.count + other.count,
            self.n + other.n,
        )


def _fmin(a: float, b: float) -> float:
    return b if math.isnan(a) else a if math.isnan(b) else min(a, b)


def _fmax(a: float, b: float) -> float:
    return b if math.isnan(a) else a if math.isnan(b) else max(a, b)


class SeriesHistory:
    """The history of one metric of one arm."""

    def __init__(self, recent: int = RECENT_POINTS, max_buckets: int = MAX_BUCKETS) -> None:
        self._recent: deque[tuple[int, float]] = deque()
        self._recent_cap = recent
        self._buckets: list[Bucket] = []
        self._max_buckets = max_buckets
        self._bucket_width = 1
        self._pending: Bucket | None = None
        self.count = 0
        """Number of points ever added."""
        self.finite_count = 0
        self.total = 0.0
        self.lo = math.nan
        self.hi = math.nan
        self.first: tuple[int, float] | None = None
        """The very first point (kept exactly: claims compare against step 0)."""
        self.last: tuple[int, float] | None = None
        self.first_nonfinite_step: int | None = None
        """Step of the first NaN/inf value, if any."""

    def add(self, step: int, value: float) -> None:
        """Append one point (steps must not decrease)."""
        self.count += 1
        if self.first is None:
            self.first = (step, value)
        self.last = (step, value)
        if math.isfinite(value):
            self.finite_count += 1
            self.total += value
            # lo/hi start as NaN; comparisons with NaN are False, hence the `not`s
            if not value >= self.lo:
                self.lo = value
            if not value <= self.hi:
                self.hi = value
        elif self.first_nonfinite_step is None:
            self.first_nonfinite_step = step
        self._recent.append((step, value))
        if len(self._recent) > self._recent_cap:
            self._fold(*self._recent.popleft())

    def _fold(self, step: int, value: float) -> None:
        finite = math.isfinite(value)
        v = value if finite else math.nan
        point = Bucket(step, step, v, v, value if finite else 0.0, int(finite))
        self._pending = point if self._pending is None else self._pending.merge(point)
        if self._pending.n >= self._bucket_width:
            self._buckets.append(self._pending)
            self._pending = None
            if len(self._buckets) > self._max_buckets:
                pairs = zip(self._buckets[0::2], self._buckets[1::2], strict=False)
                merged = [a.merge(b) for a, b in pairs]
                if len(self._buckets) % 2:
                    merged.append(self._buckets[-1])
                self._buckets = merged
                self._bucket_width *= 2

    @property
    def mean(self) -> float:
        """Mean over every finite value ever added."""
        return self.total / self.finite_count if self.finite_count else math.nan

    def recent(self, n: int | None = None) -> list[tuple[int, float]]:
        """The last n points at full resolution (all kept ones if n is None)."""
        items = list(self._recent)
        return items if n is None else items[-n:]

    def memory_items(self) -> int:
        """How many points and buckets are held (bounded by the constructor limits)."""
        return len(self._recent) + len(self._buckets) + (self._pending is not None)

    def points(
        self, max_points: int = 400, start: int | None = None, end: int | None = None
    ) -> list[tuple[int, float]]:
        """At most `max_points` (step, value) pairs covering [start, end].

        Old history comes from buckets (their min and max), recent history is
        raw; if that is still too many, it is bucketed again by min/max so the
        shape and the spikes survive.
        """
        lo_step = -math.inf if start is None else start
        hi_step = math.inf if end is None else end
        raw: list[tuple[int, float]] = []
        folded = [*self._buckets, *([self._pending] if self._pending else [])]
        for bucket in folded:
            if bucket.last_step < lo_step or bucket.first_step > hi_step or not bucket.count:
                continue
            raw.append((bucket.first_step, bucket.lo))
            if bucket.last_step != bucket.first_step:
                raw.append((bucket.last_step, bucket.hi))
        raw.extend(p for p in self._recent if lo_step <= p[0] <= hi_step)
        return downsample(raw, max_points)


def downsample(points: list[tuple[int, float]], max_points: int) -> list[tuple[int, float]]:
    """Reduce points to at most max_points by keeping each bucket's min and max, in step order."""
    if len(points) <= max_points or max_points < 2:
        return points[: max(max_points, 0)] if max_points < 2 else points
    n_buckets = max_points // 2
    size = len(points) / n_buckets
    out: list[tuple[int, float]] = []
    for b in range(n_buckets):
        chunk = points[int(b * size) : int((b + 1) * size)]
        finite = [p for p in chunk if math.isfinite(p[1])]
        if not finite:
            if chunk:
                out.append(chunk[0])
            continue
        low = min(finite, key=lambda p: p[1])
        high = max(finite, key=lambda p: p[1])
        out.extend(sorted({low, high}, key=lambda p: p[0]))
    return out


class RunHistory:
    """Every series of one run, keyed by (arm, metric). Safe to feed from one thread and read from another."""

    def __init__(self, recent: int = RECENT_POINTS, max_buckets: int = MAX_BUCKETS) -> None:
        self._series: dict[tuple[str, str], SeriesHistory] = {}
        self._lock = threading.Lock()
        self._recent = recent
        self._max_buckets = max_buckets
        self.version = 0
        """Bumped on every change, so a chart redraws only when data changed."""
        self.arm_order: list[str] = []

    def add(self, points: Iterable[MetricPoint]) -> None:
        """Record metric points."""
        with self._lock:
            for p in points:
                key = (p.arm, p.name)
                series = self._series.get(key)
                if series is None:
                    series = self._series[key] = SeriesHistory(self._recent, self._max_buckets)
                    if p.arm not in self.arm_order:
                        self.arm_order.append(p.arm)
                series.add(p.step, p.value)
            self.version += 1

    def series(self, arm: str, name: str) -> SeriesHistory | None:
        """The history of one metric of one arm, or None if it was never logged."""
        return self._series.get((arm, name))

    def names(self, arm: str | None = None) -> list[str]:
        """Metric names logged (by one arm, or by any)."""
        seen: dict[str, None] = {}
        for a, n in list(self._series):
            if arm is None or a == arm:
                seen[n] = None
        return list(seen)

    def points(
        self,
        arm: str,
        name: str,
        max_points: int = 400,
        start: int | None = None,
        end: int | None = None,
    ) -> list[tuple[int, float]]:
        """Downsampled points of one series (empty if unknown)."""
        with self._lock:
            series = self._series.get((arm, name))
            return [] if series is None else series.points(max_points, start, end)

    def last_values(self, arm: str) -> dict[str, float]:
        """The latest value of every metric of one arm."""
        with self._lock:
            return {
                n: s.last[1]
                for (a, n), s in self._series.items()
                if a == arm and s.last is not None
            }

    def last_step(self, arm: str | None = None) -> int:
        """The largest step seen (for one arm, or any)."""
        with self._lock:
            steps = [
                s.last[0]
                for (a, _), s in self._series.items()
                if s.last is not None and (arm is None or a == arm)
            ]
        return max(steps, default=-1)
