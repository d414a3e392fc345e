"""`HuntPanel`: a bug hunt in watch mode, like rustlings.

The learner's copy of the broken script opens in `$EDITOR` (the app suspends
and comes back); the panel polls the file's mtime and re-checks it on every
save. `check_hunt` runs the script in a subprocess (seconds), so it runs in a
thread worker and reports back with a `HuntChecked` message. The reference
solution's code is shown (read as text, never imported) only once the hunt is
passed, so the learner can compare it with their own fix.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.widgets import Static

from dllab.curriculum.model import Lesson, pick
from dllab.tui.i18n import tr
from dllab.tui.messages import HuntChecked

POLL_S = 1.0


def editor_command() -> list[str]:
    """The learner's editor: $VISUAL, then $EDITOR, then nano or vi."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ""
    if editor:
        return shlex.split(editor)
    from shutil import which

    return ["nano" if which("nano") else "vi"]


def solution_code(path: Path) -> RenderableType:
    """The reference solution as numbered, highlighted code (wrapped: readable at 80 columns)."""
    try:
        code = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Text(f"cannot read {path}: {exc.strerror or exc}", style="red")
    # ansi_dark with the terminal's own background: it reads in any theme and under NO_COLOR
    return Syntax(
        code.rstrip("\n"),
        "python",
        line_numbers=True,
        word_wrap=True,
        theme="ansi_dark",
        background_color="default",
    )


class HuntPanel(Static):
    """Shows the task, the file to fix and the latest verdict; re-checks on save."""

    DEFAULT_CSS = """
    HuntPanel { padding: 0 1; height: auto; }
    """

    def __init__(self, lesson: Lesson, lang: str = "en", id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson
        self.lang = lang
        self.path: Path | None = None
        self.mtime = 0.0
        self.verdict: HuntChecked | None = None
        self.checking = False

    def on_mount(self) -> None:
        from dllab.hunts import workspace_file

        self.path = workspace_file(self.lesson)
        self.mtime = self._stat()
        self.set_interval(POLL_S, self.poll)
        self.redraw()

    def _stat(self) -> float:
        try:
            return self.path.stat().st_mtime if self.path else 0.0
        except OSError:
            return 0.0

    def poll(self) -> None:
        """Re-check when the file's mtime changed (it was saved)."""
        mtime = self._stat()
        if mtime != self.mtime:
            self.mtime = mtime
            self.check()

    def check(self) -> None:
        """Start a check of the learner's file in a thread."""
        self.checking = True
        self.redraw()
        self._check_worker()

    @work(thread=True, exclusive=True, group="hunt", exit_on_error=False)
    def _check_worker(self) -> None:
        from dllab.hunts import check_hunt

        result = check_hunt(self.lesson, self.path)
        self.post_message(HuntChecked(self.lesson.id, result))

    def on_hunt_checked(self, message: HuntChecked) -> None:
        self.checking = False
        self.verdict = message
        self.redraw()

    def open_editor(self) -> str:
        """Open the file in the editor (the app suspends); returns an error or ''."""
        if self.path is None:
            return "no file"
        command = [*editor_command(), str(self.path)]
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except Exception as exc:  # SuspendNotSupported (headless, web) or no such editor
            return (
                f"cannot open the editor ({type(exc).__name__}: {exc}); edit {self.path} yourself"
            )
        self.poll()
        return ""

    def redraw(self) -> None:
        """Re-render the panel."""
        from dllab.hunts import solution_path

        hunt = self.lesson.bughunt
        assert hunt is not None
        text = Text()
        task = pick(hunt.text, self.lang) if hunt.text else ""
        if task:
            text.append(task + "\n\n")
        text.append(tr("hunt_edit", self.lang, file=str(self.path or hunt.file)) + "\n\n")
        content: RenderableType = text
        if self.checking:
            text.append(tr("hunt_checking", self.lang), style="yellow")
        elif self.verdict is not None:
            result = self.verdict.result
            if result.passed:
                solution = solution_path(self.lesson)
                text.append(tr("hunt_pass", self.lang, path=solution) + "\n", style="bold green")
                content = Group(text, solution_code(solution))
            else:
                text.append(tr("hunt_fail", self.lang) + "\n", style="bold red")
                for problem in result.problems:
                    text.append(f"- {problem}\n")
        self.update(content)
