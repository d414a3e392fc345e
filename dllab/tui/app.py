"""The lab's `App` and the `make_app()` factory shared by the CLI, tests and screenshots."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import var

from dllab.curriculum.loader import load_course
from dllab.curriculum.model import Course, Lesson
from dllab.engine.config import RunConfig
from dllab.engine.events import Subscriber
from dllab.engine.run import Run
from dllab.engine.warm import WarmPool, end_child
from dllab.progress import Progress
from dllab.tui import gpu, heap
from dllab.tui.i18n import detect_lang, key_word, tr
from dllab.tui.lab import Lab, LabOptions
from dllab.tui.messages import MirrorNotice, OpenLesson
from dllab.tui.screens.base import LabScreen
from dllab.tui.screens.dialogs import ConfirmScreen, HelpScreen
from dllab.tui.screens.home import HomeScreen
from dllab.tui.widgets.keybar import shadowed_screen_bindings

RunFactory = Callable[[Lesson, RunConfig, Sequence[Subscriber]], Run]
"""How the lab starts a run (tests may swap it; the default trains in a child process)."""

QUIT_WAIT_S = 1.5
"""How long quitting waits for running runs to stop (the engine kills a child after 1 s)."""


def isolated_run(
    lesson: Lesson,
    config: RunConfig,
    subscribers: Sequence[Subscriber],
    child: subprocess.Popen[bytes] | None = None,
) -> Run:
    """Start a run in a child process (`child`: one started ahead): the lab never imports torch."""
    try:
        run = Run(lesson, config, subscribers, isolate=True, child=child)
    except BaseException:
        if child is not None:
            end_child(child)
        raise
    return run.start()


def prewarm_default() -> bool:
    """Start training children ahead of their runs unless `DLLAB_PREWARM=0` (tests, tiny boxes)."""
    return os.environ.get("DLLAB_PREWARM", "1") != "0"


def leave_a_core_for_the_ui() -> None:
    """Let the training child use all cores but one (unless the user chose a thread count).

    The child inherits this process's environment. On a small machine torch's
    default (one thread per core) leaves the UI fighting the training for the CPU,
    and keys answer late; one core fewer costs small lessons nothing (measured on
    2 cores: 1 thread trained faster than 2 while the machine was busy).
    """
    if "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) - 1))


def own_bindings(node: object) -> set[tuple[str, str]]:
    """(key, action) of the bindings dllab's own classes declare on `node`'s class.

    Textual's `App` and `Screen` bring keys of their own (`tab Focus Next`,
    `super+c Copy selected text`, `ctrl+q Quit`); the help lists only the lab's.
    """
    own: set[tuple[str, str]] = set()
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("dllab."):
            continue
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            own.add((binding.key, binding.action))
    return own


class LabApp(App[int]):
    """dllab's lab."""

    CSS_PATH = "lab.tcss"
    TITLE = "dllab"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("l", "toggle_lang", "中文/EN"),
        Binding("d", "diagnose", "Diagnose"),
    ]

    lang: var[str] = var("en")
    """The language of the lesson texts and the UI words.

    A `var`: the screens re-word what changed (`watch_lang`); a reactive would
    also repaint the whole screen on every switch.
    """

    def __init__(
        self,
        options: LabOptions,
        *,
        course: Course | None = None,
        progress: Progress | None = None,
        run_factory: RunFactory = isolated_run,
        prewarm: bool = True,
    ) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"  # sliding tab underlines cost bytes over SSH
        self.options = options
        self.course = course if course is not None else load_course()
        self.progress = progress if progress is not None else Progress.load()
        self.run_factory = run_factory
        self.warm_pool: WarmPool | None = None
        """The training child started ahead of the next run (only with the default factory)."""
        if prewarm and run_factory is isolated_run:
            from dllab.paths import data_dir

            self.warm_pool = WarmPool(data_dir() / "warm-child.log")
        self.runs: list[Run] = []
        self.mirror_notice = ""
        self.gpu_line = ""
        self._gpu_device = ""
        self.set_reactive(LabApp.lang, options.lang)

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        self.call_after_refresh(self._preload)
        if self.progress.notice:
            self.notify(self.progress.notice, severity="warning", title="Progress", timeout=15)

    def on_unmount(self) -> None:
        """No child outlives the lab (a waiting one would also exit when its stdin closes);
        the objects frozen for its lifetime are collectable again."""
        if self.warm_pool is not None:
            self.warm_pool.close()
        heap.release()

    @work(thread=True, group="preload", exit_on_error=False)
    def _preload(self) -> None:
        """After the first paint, import the lesson screen (Markdown, plotext) in the background."""
        import dllab.tui.screens.lesson  # noqa: F401

        heap.settle()  # the modules and the course list live as long as the lab

    # -- lessons and progress ---------------------------------------------------
    def lesson_order(self) -> list[str]:
        """Lesson ids in course order."""
        return [lesson.id for lesson in self.course.lessons]

    def continue_lesson(self) -> str | None:
        """Where the learner left off."""
        return self.progress.continue_with(self.lesson_order())

    def open_lesson(self, lesson_id: str) -> None:
        """Show a lesson's screen (kept alive, so a run goes on while you browse)."""
        from dllab.tui.screens.lesson import LessonScreen  # imported on first use: faster start

        lesson = self.course.lesson(lesson_id)
        name = f"lesson:{lesson.id}"
        if not self.is_screen_installed(name):
            self.install_screen(LessonScreen(lesson), name=name)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(self.screen, LessonScreen):
            self.pop_screen()
        self.push_screen(name)

    def on_open_lesson(self, message: OpenLesson) -> None:
        self.open_lesson(message.lesson_id)

    def save_progress(self) -> None:
        """Write the progress file (atomic)."""
        try:
            self.progress.save()
        except OSError as exc:
            self.notify(f"Could not save progress: {exc}", severity="error")

    def reset_progress(self, lesson_id: str | None) -> None:
        """Forget one lesson's progress, or everything."""
        self.progress.reset(lesson_id)
        self.save_progress()
        self.notify(tr("reset_done", self.lang))

    # -- runs -------------------------------------------------------------------
    def start_run(
        self, lesson: Lesson, config: RunConfig, subscribers: Sequence[Subscriber]
    ) -> Run:
        """Start a run with the lab's subscribers (and the Visdom mirror if asked)."""
        leave_a_core_for_the_ui()
        subs = [*subscribers, *self.mirrors(lesson)]
        if self.warm_pool is not None and self.run_factory is isolated_run:
            run = isolated_run(lesson, config, subs, child=self.warm_pool.take())
        else:
            run = self.run_factory(lesson, config, subs)
        self.runs.append(run)
        return run

    def prewarm(self, lesson: Lesson) -> None:
        """Get a training child ready for `lesson`'s next run (not while a run trains:
        importing torch would take the CPU from it; the lesson asks again when it ends)."""
        if self.warm_pool is None or any(run.result is None for run in self.runs):
            return
        leave_a_core_for_the_ui()  # the child inherits the thread count
        self.warm_pool.warm(lesson, self.options.device)

    def running(self) -> list[Run]:
        """Runs still training."""
        return [run for run in self.runs if run.running]

    def mirrors(self, lesson: Lesson) -> list[Subscriber]:
        """A fresh Visdom mirror per run when `--visdom` was given."""
        if not self.options.visdom_url:
            return []
        from dllab.tui.mirror import make_mirror

        mirror, notice = make_mirror(self.options.visdom_url, self, lesson, self.lang)
        if notice:
            self.mirror_notice = notice
        return [mirror] if mirror is not None else []

    def on_mirror_notice(self, message: MirrorNotice) -> None:
        self.mirror_notice = message.text

    def status_notice(self) -> str:
        """One line for the status bar: GPU stats and the mirror's notice."""
        return " · ".join(part for part in (self.gpu_line, self.mirror_notice) if part)

    def device_label(self, device: str) -> str:
        """'CPU', 'GPU NVIDIA H100', or the requested device before a run said which."""
        if not device:
            requested = self.options.device
            return "CPU" if requested in ("auto", "cpu") and not self._gpu_device else requested
        return gpu.describe(device)

    def watch_device(self, device: str) -> None:
        """Start polling NVML once a run reports a CUDA device."""
        if device.startswith("cuda") and not self._gpu_device:
            self._gpu_device = device
            self.set_interval(2.0, self._poll_gpu)
            self._poll_gpu()

    def _poll_gpu(self) -> None:
        self._gpu_worker(gpu.device_index(self._gpu_device))

    @work(thread=True, exclusive=True, group="gpu", exit_on_error=False)
    def _gpu_worker(self, index: int) -> None:
        self.gpu_line = gpu.nvml_stats(index)

    # -- app keys ---------------------------------------------------------------
    def action_toggle_lang(self) -> None:
        """Switch between English and Chinese."""
        self.lang = "zh" if self.lang == "en" else "en"

    def watch_lang(self, lang: str) -> None:
        """Re-word the visible screen now; the others catch up when shown again."""
        if not self.screen_stack:
            return
        if isinstance(self.screen, LabScreen):
            self.screen.refresh_texts()

    def action_help(self) -> None:
        """Show every key of the current screen."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        screen = self.screen
        own = own_bindings(screen) | own_bindings(self)
        shadowed = shadowed_screen_bindings(screen)
        keys = [
            (
                binding.key_display or self.get_key_display(binding),
                key_word(binding.description, self.lang),
            )
            for b, binding in (
                (b, shadowed.get(b.binding.key, b.binding)) for b in self.active_bindings.values()
            )
            if binding.description
            and b.enabled
            and (b.node in (screen, self) or binding is not b.binding)
            and (binding.key, binding.action) in own
        ]
        keys.append(("tab", tr("help_tab", self.lang)))
        self.push_screen(HelpScreen(keys, self.lang))

    def action_diagnose(self) -> None:
        """Open the Diagnose screen (find bugs in your own training script)."""
        from dllab.tui.screens.diagnose import DiagnoseScreen

        if not isinstance(self.screen, DiagnoseScreen):
            self.push_screen(DiagnoseScreen())

    async def action_quit(self) -> None:
        """Quit; while a run trains, ask first, then stop it within a second."""
        if not self.running():
            self.exit(0)
            return
        if isinstance(self.screen, ConfirmScreen):
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.stop_all_and_exit()

        self.push_screen(ConfirmScreen(tr("quit_q", self.lang), self.lang), answer)

    def stop_all_and_exit(self) -> None:
        """Stop every run, wait (at most QUIT_WAIT_S) for them to end, exit."""
        for run in self.running():
            run.stop()
        self._wait_then_exit()

    @work(thread=True, exclusive=True, group="quit", exit_on_error=False)
    def _wait_then_exit(self) -> None:
        deadline = time.monotonic() + QUIT_WAIT_S
        for run in list(self.runs):
            run.wait(max(0.0, deadline - time.monotonic()))
        self.call_from_thread(self.exit, 0)


def make_app(
    *,
    lang: str | None = None,
    fps: float = 4.0,
    mouse: bool = True,
    ascii_markers: bool = False,
    device: str = "auto",
    visdom_url: str | None = None,
    course_root: Path | None = None,
    progress_path: Path | None = None,
    run_factory: RunFactory = isolated_run,
    prewarm: bool | None = None,
    **_: Any,
) -> LabApp:
    """Build the lab (the CLI, tests and the screenshot script all come through here)."""
    options = LabOptions(detect_lang(lang), fps, mouse, ascii_markers, device, visdom_url)
    course = load_course(course_root) if course_root is not None else None
    progress = Progress.load(progress_path) if progress_path is not None else None
    return LabApp(
        options,
        course=course,
        progress=progress,
        run_factory=run_factory,
        prewarm=prewarm_default() if prewarm is None else prewarm,
    )


if TYPE_CHECKING:

    def _is_a_lab(app: LabApp) -> Lab:
        """Never called: mypy checks here that `LabApp` gives the screens all of `Lab`."""
        return app
