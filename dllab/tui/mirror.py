"""The optional Visdom mirror: one more subscriber per run, its notices in the status line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dllab.engine.events import Subscriber
from dllab.tui.messages import MirrorNotice

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from dllab.curriculum.model import Lesson


def make_mirror(
    url: str, target: MessagePump, lesson: Lesson, lang: str
) -> tuple[Subscriber | None, str]:
    """A `VisdomMirror(url)` whose notices are posted to `target`; or None and why not.

    The mirror calls `notify` from its own thread, so it only posts a message.
    """
    from dllab.mirrors.visdom import VisdomMirror

    def post(text: str) -> None:
        target.post_message(MirrorNotice(str(text)))

    try:
        # end_timeout_s=0: the run's end must reach the UI at once even if the server hangs;
        # the mirror's own thread still delivers the last batch in the background.
        mirror = VisdomMirror(url, notify=post, lesson=lesson, lang=lang, end_timeout_s=0)
    except Exception as exc:  # a bad URL or a broken install must not stop the run
        return None, f"Visdom: {exc}"
    return mirror, ""
