"""Mirror a live run's charts to a Visdom server, without ever slowing training.

The engine calls the hooks on its own thread; they only put the points on a
bounded queue. The mirror's daemon thread drains it, sorts the points into one
window per lesson chart (`_windows.py`) and, every `interval_s`, sends each
window's pending points in one request. A slow server means bigger batches,
not more requests. A server that is down (at start or mid-run) costs one
notice: the points pile up (bounded) and go out when it answers again, and the
run record (`metrics.jsonl`) keeps every point for `dllab runs replay RUN
--visdom URL` anyway.
"""

from __future__ import annotations

import collections
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dllab.engine.events import MetricPoint, RunEnded, RunStarted, Subscriber
from dllab.mirrors._client import DEFAULT_URL, VisdomClient, VisdomUnavailable
from dllab.mirrors._windows import ChartWindow, chart_windows

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

Notify = Callable[[str], None]
"""Shows a one-line notice (the lab's status line, or stderr headless)."""

MAX_PENDING = 500_000
"""Points held for a server that is down or slow; beyond this they are left to replay."""

SERVER_SHARE = 5.0
"""After a send that took t seconds, wait at least SERVER_SHARE * t before the next one."""

_END = object()
"""Queue sentinel: the run ended, flush and stop."""


def stderr_notice(text: str) -> None:
    """The headless notice: one line on stderr."""
    sys.stderr.write(f"dllab: {text}\n")
    sys.stderr.flush()


class VisdomSender:
    """Sends chart windows to one env of one server; remembers which windows exist there."""

    def __init__(self, client: VisdomClient, env: str, windows: Sequence[ChartWindow]) -> None:
        self.client = client
        self.env = env
        self.windows = list(windows)
        self.created: set[str] = set()
        self._routes: dict[str, list[ChartWindow]] = {}

    def add(self, point: MetricPoint) -> int:
        """Hand a point to the windows that show its metric; return the values buffered."""
        targets = self._routes.get(point.name)
        if targets is None:
            targets = self._routes[point.name] = [w for w in self.windows if w.shows(point.name)]
        return sum(w.add(point) for w in targets)

    def send(self, window: ChartWindow) -> None:
        """Send what one window has pending (create it the first time).

        Raises:
            VisdomUnavailable: the server did not take it; the data stays pending.
        """
        create = window.win not in self.created
        endpoint, body = window.message(self.env, create)
        try:
            self.client.post(endpoint, body)
        except VisdomUnavailable:
            if create or endpoint != "update" or not self.client.alive():
                raise
            # the server answers but lost the env (restarted without saving it): create again
            endpoint, body = window.message(self.env, True)
            self.client.post(endpoint, body)
        self.created.add(window.win)
        window.sent()

    def send_all(self) -> None:
        """Send every window that has something pending."""
        for window in self.windows:
            if window.dirty:
                self.send(window)


class VisdomMirror(Subscriber):
    """A subscriber that mirrors every chart of a run to Visdom, one env per run.

    Args:
        url: the server, e.g. http://127.0.0.1:8097 (a path prefix is kept as Visdom's base_url).
        env: the env name; default the run id (lesson and time).
        notify: shows a one-line notice. It is called on the mirror's own thread: the lab
            must hop to its UI thread (`App.call_from_thread`/`post_message`). Default: stderr.
        lesson: the run's lesson, if the caller has it (else loaded by id on the mirror thread).
        lang: language of the window titles.
        end_timeout_s: how long `on_run_end` waits for the mirror to make progress (headless
            runs exit right after it): it waits while the server keeps taking batches, and gives
            up after this long without one. The lab can pass 0: its process lives on, so the
            thread still finishes.

    `state` ("idle", "up", "down", "ended") can be polled for a status line. Use one mirror
    per run (its thread ends with the run).
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        env: str | None = None,
        notify: Notify | None = None,
        lesson: Lesson | None = None,
        lang: str = "en",
        interval_s: float = 1.0,
        retry_s: float = 2.0,
        timeout_s: float = 3.0,
        end_timeout_s: float = 10.0,
        queue_size: int = 50_000,
    ) -> None:
        self.url = url
        self.env = env
        self.notify = notify or stderr_notice
        self.lesson = lesson
        self.lang = lang
        self.interval_s = interval_s
        self.retry_s = retry_s
        self.end_timeout_s = end_timeout_s
        self.client = VisdomClient(url, timeout_s)
        self.state = "idle"
        """idle → up | down (→ up again) → ended."""
        self.sent_points = 0
        """Points the server has taken."""
        self.dropped_points = 0
        """Points not mirrored live (queue or pending buffer full); replay sends them."""
        self.thread_cpu_s = 0.0
        """CPU time the mirror's thread used (set when it ends; benchmarks read it)."""
        # a deque, not a queue.Queue: append/popleft are atomic under the GIL and take no lock,
        # so the training thread never waits for the mirror thread (the bound is checked by hand)
        self._queue: collections.deque[object] = collections.deque()
        self.queue_size = queue_size
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._run_id = ""
        self._warned = False
        self._progress_at = time.monotonic()
        """When the mirror last got somewhere (started, loaded the lesson, had a batch taken)."""

    # -- engine thread: enqueue only -------------------------------------------
    def on_run_start(self, event: RunStarted) -> None:
        self._run_id = event.run
        self.env = self.env or event.run  # lesson-YYYYmmdd-HHMMSS-xxxx: lesson and time
        self._thread = threading.Thread(
            target=self._main, args=(event,), name="dllab-visdom", daemon=True
        )
        self._thread.start()

    def on_metrics(self, points: list[MetricPoint]) -> None:
        if len(self._queue) < self.queue_size:
            self._queue.append(points)
        else:
            self.dropped_points += len(points)

    def on_run_end(self, event: RunEnded) -> None:
        """Flush what is left (bounded wait, none when the server is down)."""
        if self._thread is None:
            return
        self._queue.append(_END)
        self._wake.set()
        # Wait while the mirror gets somewhere, not a fixed time: on a loaded machine a local
        # server can take seconds per batch and still take them all. A server that is down
        # costs no wait (the record keeps every point for `dllab runs replay`).
        self._progress_at = time.monotonic()  # the last batch was just queued
        while self.state != "down" and self._thread.is_alive():
            if time.monotonic() - self._progress_at > self.end_timeout_s:
                break
            self._thread.join(0.1)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the mirror thread to finish (after the run ended); True if it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the mirror thread -----------------------------------------------------
    def _main(self, event: RunStarted) -> None:
        try:
            if self.lesson is None:
                from dllab.curriculum.loader import load_course

                self.lesson = load_course().lesson(event.lesson)
            windows = chart_windows(self.lesson.charts, event.arms, self.lang)
            self._progress_at = time.monotonic()
        except Exception as exc:  # a mirror must never take the run down
            self._notice(f"Visdom mirror off: {exc}")
            return
        sender = VisdomSender(self.client, self.env or event.run, windows)
        self._loop(sender)

    def _loop(self, sender: VisdomSender) -> None:
        cpu0 = time.thread_time()
        pending = 0
        next_send = time.monotonic()
        ending = False
        while not ending:
            # sleep until the next send (or the run's end), then take everything queued at once:
            # waking per metric batch would hand the GIL back and forth with the training thread
            self._wake.wait(max(0.0, next_send - time.monotonic()))
            item = self._next()
            while item is not None:
                if item is _END:
                    ending = True
                elif pending >= MAX_PENDING:
                    self.dropped_points += len(item)  # type: ignore[arg-type]
                else:
                    for point in item:  # type: ignore[attr-defined]
                        pending += sender.add(point)
                if time.monotonic() >= next_send + self.interval_s:
                    break  # a producer faster than this loop must not hold back the sending
                item = self._next()
            if ending or time.monotonic() >= next_send:
                started = time.monotonic()
                if self._flush(sender, pending, final=ending):
                    pending = 0
                    # Visdom's /update costs the server O(window size) (it deep-copies the
                    # window and diffs it): wait SERVER_SHARE times as long as it took, so a
                    # long run keeps the server's load bounded (bigger, rarer batches)
                    took = time.monotonic() - started
                    next_send = time.monotonic() + max(self.interval_s, SERVER_SHARE * took)
                else:
                    next_send = time.monotonic() + self.retry_s
        self.state = "ended" if self.state == "up" else self.state
        self.client.close()
        self.thread_cpu_s = time.thread_time() - cpu0

    def _next(self) -> object | None:
        try:
            return self._queue.popleft()
        except IndexError:
            return None

    def _flush(self, sender: VisdomSender, pending: int, final: bool) -> bool:
        if not final and not any(w.dirty for w in sender.windows):
            return True  # nothing to send says nothing about the server: keep the state
        try:
            sender.send_all()
            if final:
                sender.client.save(sender.env)  # on disk now: a SIGTERM'd server keeps it
        except VisdomUnavailable as exc:
            self._down(str(exc))
            return False
        if self.state == "down":
            self._notice(f"Visdom at {self.url} answers again; mirroring resumed.")
        self.state = "up"
        self.sent_points += pending
        self._progress_at = time.monotonic()
        return True

    def _down(self, reason: str) -> None:
        self.state = "down"
        if not self._warned:
            self._warned = True
            self._notice(
                f"{reason}; training goes on without it. Every point is in the run record: "
                f"`dllab runs replay {self._run_id} --visdom {self.url}` sends them later."
            )

    def _notice(self, text: str) -> None:
        with contextlib.suppress(Exception):  # a broken status line must not stop the mirror
            self.notify(text)
