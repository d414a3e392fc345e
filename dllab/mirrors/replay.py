"""Send a recorded run to Visdom after the fact (`dllab runs replay RUN --visdom URL`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dllab.mirrors._client import VisdomClient, VisdomUnavailable
from dllab.mirrors._windows import chart_windows
from dllab.mirrors.visdom import VisdomSender

if TYPE_CHECKING:
    from dllab.engine.records import RunRecord

CHUNK_POINTS = 20_000
"""Values per window per request: big enough to be quick, small enough for the server."""


def replay_to_visdom(record: RunRecord, url: str, *, lang: str = "en") -> int:
    """Send every recorded point of a run to Visdom, in the run's own env; return the count.

    The windows are created afresh (replacing what a live mirror sent to the same
    env), so a replay after a partial live mirror leaves no duplicates.

    Raises:
        VisdomUnavailable: the server is not reachable, or stopped answering.
    """
    from dllab.curriculum.loader import load_course

    lesson = load_course().lesson(str(record.meta.get("lesson", "")))
    config = record.meta.get("config") or {}
    arms = record.meta.get("arms") or config.get("arms") or list(lesson.arms)
    client = VisdomClient(url, timeout_s=30.0)
    if not client.alive():
        raise VisdomUnavailable(
            f"Visdom at {url} is not reachable; start one with `dllab visdom` and try again"
        )
    sender = VisdomSender(client, record.run_id, chart_windows(lesson.charts, arms, lang))
    count = pending = 0
    for point in record.points():
        count += 1
        pending += sender.add(point)
        if pending >= CHUNK_POINTS:
            sender.send_all()
            pending = 0
    sender.send_all()
    client.save(record.run_id)
    client.close()
    return count
