"""The home screen: the course by chapter with each lesson's status, filter, continue.

Letters are commands here as on every screen (the footer lists them); `/`
starts the filter, and in the filter every key types, so a word with command
letters in it ("dead", "logits") filters. Up and down move the highlight while
you type, Enter opens it, Escape clears the filter and leaves the highlight
where it was. `c` opens the lesson to continue with.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from dllab.curriculum.model import Lesson, pick
from dllab.progress import NEW, PASSED, STARTED
from dllab.tui.i18n import tr
from dllab.tui.screens.base import LabScreen
from dllab.tui.screens.dialogs import ConfirmScreen
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.rows import update_rows

MARKS = {NEW: ("○", "dim"), STARTED: ("◐", "yellow"), PASSED: ("✓", "bold green")}


class HomeScreen(LabScreen):
    """The course list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True, key_display="enter"),  # TERM=linux has no ⏎
        Binding("c", "continue", "Continue"),
        # priority: the binding runs when the key arrives, before the keys typed
        # after it in the same burst are routed (to whatever has the focus then)
        Binding("slash", "filter", "Filter", priority=True),
        Binding("R", "reset_one", "Reset lesson"),
        Binding("X", "reset_all", "Reset all"),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(name="home")
        self.filter_text = ""
        self._shown_signature: tuple[object, ...] = ()
        """What the list was last filled from (`_signature()`)."""
        self._welcome: Text | None = None
        self._welcome_rows = -1
        self._before_filter: str | None = None
        """The lesson highlighted when the filter started (restored if the filter matched none)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="welcome")
        yield Input(
            placeholder=tr("filter", self.lang),
            id="filter",
            compact=True,
            select_on_focus=True,  # / again replaces the old filter word
        )
        yield OptionList(id="lessons")
        yield Static(id="detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "dllab"
        self.refresh_texts()
        target = self.lab.continue_lesson()
        if target is not None:
            self.highlight(target)
        self.query_one(OptionList).focus()
        self.set_interval(1.0, self._follow_runs)

    def _signature(self) -> tuple[object, ...]:
        """Everything the list's lines are made of: the same signature, the same list."""
        running = sorted(run.lesson.id for run in self.lab.running())
        statuses = [self.lab.progress.status(le.id) for le in self.lab.course.lessons]
        return (self.lang, self.filter_text, *running, "|", *statuses)

    def _follow_runs(self) -> None:
        """Re-list when a run started or ended, or a status changed, while this screen shows."""
        signature = self._signature()
        if signature != self._shown_signature and self.app.screen is self:
            self.rebuild()

    def on_screen_resume(self) -> None:
        self.refresh_texts()

    def refresh_texts(self) -> None:
        """Re-word what changed (language or progress): header, filter, welcome line, list.

        Only the parts whose words changed are written, each on its own (no
        `sub_title` reactive, which repaints the whole screen); the list is
        refilled only when its language, a status or a running run changed.
        """
        lang = self.lang
        super().refresh_texts()
        self.retitle(pick(self.lab.course.welcome, lang) if self.lab.course.welcome else "")
        self.query_one("#filter", Input).placeholder = tr("filter", lang)  # a no-op if the same
        target = self.lab.continue_lesson()
        if target is None:
            welcome = ""
        elif self.lab.progress.status(target) == PASSED:
            welcome = tr("all_done", lang)
        else:
            welcome = tr("continue", lang, title=pick(self.lab.course.lesson(target).title, lang))
        notice = self.lab.progress.notice
        text = Text(welcome) + (Text("\n" + notice, style="bold yellow") if notice else Text())
        if text != self._welcome:
            self._welcome = text
            # a whole-screen layout only when the line takes another number of rows
            self._welcome_rows = update_rows(
                self.query_one("#welcome", Static), text, self._welcome_rows
            )
        if self._signature() != self._shown_signature:
            self.rebuild()

    def on_resize(self) -> None:
        """Rows are cut to the list's width: cut them again for the new one."""
        self.call_after_refresh(self.rebuild)

    def _matches(self, lesson: Lesson) -> bool:
        needle = self.filter_text.lower().strip()
        if not needle:
            return True
        hay = " ".join([lesson.id, *lesson.title.values(), *lesson.summary.values()]).lower()
        return all(word in hay for word in needle.split())

    def rebuild(self) -> None:
        """Refill the option list from the course, the progress and the filter."""
        self._shown_signature = self._signature()
        lang = self.lang
        options = self.query_one(OptionList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        training = {run.lesson.id for run in self.lab.running()}
        shown = 0
        for chapter in self.lab.course.chapters:
            lessons = [
                le
                for le in self.lab.course.lessons
                if le.chapter == chapter.id and self._matches(le)
            ]
            if not lessons:
                continue
            options.add_option(Option(Text(pick(chapter.title, lang), style="bold"), disabled=True))
            # the width of a row: the list's, less its scrollbar (counted even before it
            # shows: the rows are cut once, as they are added) and an option's own padding
            pad = options.get_component_styles("option-list--option").padding.width
            base = options.content_region.width or self.app.size.width - 4
            width = base - options.styles.scrollbar_size_vertical - pad
            for lesson in lessons:
                status = self.lab.progress.status(lesson.id)
                mark, style = MARKS.get(status, MARKS[NEW])
                if self.app.no_color:  # a grey on the cursor's white: the mark would vanish
                    style = "bold" if status == PASSED else ""
                line = Text("  ", no_wrap=True, overflow="ellipsis")
                line.append(mark, style=style)
                tail = Text(f"  {tr(status, lang)}", style="dim")
                if lesson.id in training:
                    tail.append(f"  ▶ {tr('running', lang)}", style="bold cyan")
                # a long title is cut (…), never the status after it: wrapped, the status
                # took a row of its own under the lesson and read as a stray line
                title = Text(f" {self.lab.course.number(lesson):>2}. {pick(lesson.title, lang)}")
                title.truncate(max(8, width - line.cell_len - tail.cell_len), overflow="ellipsis")
                line.append_text(title)
                line.append_text(tail)
                options.add_option(Option(line, id=lesson.id))
                shown += 1
        for entry in self.lab.course.broken:  # listed, never opened: say what is wrong
            line = Text(f"  ✗ {entry.id}  {tr('broken', lang)}: {entry.message}", style="red")
            options.add_option(Option(line, disabled=True))
        if not shown:
            options.add_option(Option(tr("no_match", lang, text=self.filter_text), disabled=True))
        if keep is not None:
            self.highlight(keep)
        elif shown:
            self._first()

    def _first(self) -> None:
        options = self.query_one(OptionList)
        for i in range(options.option_count):
            if not options.get_option_at_index(i).disabled:
                options.highlighted = i
                return

    def highlight(self, lesson_id: str) -> None:
        """Move the cursor to a lesson (if it is listed)."""
        options = self.query_one(OptionList)
        try:
            options.highlighted = options.get_option_index(lesson_id)
        except Exception:
            self._first()

    @on(OptionList.OptionHighlighted)
    def _detail(self, event: OptionList.OptionHighlighted) -> None:
        lesson_id = event.option.id
        if lesson_id is None:
            return
        lesson = self.lab.course.lesson(lesson_id)
        lang = self.lang
        self.query_one("#detail", Static).update(
            Text(pick(lesson.summary, lang) or pick(lesson.title, lang), style="italic")
        )

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.lab.open_lesson(event.option.id)

    def action_open(self) -> None:
        """Open the highlighted lesson."""
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id:
            self.lab.open_lesson(option.id)

    def action_continue(self) -> None:
        """Open the lesson to continue with."""
        target = self.lab.continue_lesson()
        if target is not None:
            self.lab.open_lesson(target)

    def action_filter(self) -> None:
        """Focus the filter box, at once: the keys typed right after `/` must land in it.

        (`Widget.focus()` moves the focus on a later turn of the loop, after
        keys already queued, so 'dead' typed fast opened Diagnose.) The binding
        is a priority one for the same reason: a terminal delivers `/dead` typed
        fast (or pasted) as one read, and a normal binding only runs once the
        `/` has bubbled up from the list, after `dead` was already routed to the
        list and lost.
        """
        self.set_focus(self.query_one("#filter", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In the filter, `/` types (the priority binding steps aside)."""
        if action == "filter" and self.focused is self.query_one("#filter", Input):
            return None  # shown dimmed, not run: the key goes on to the Input
        return True

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to the list, the highlight where it was."""
        box = self.query_one("#filter", Input)
        options = self.query_one(OptionList)
        highlighted = options.highlighted_option
        keep = highlighted.id if highlighted is not None and highlighted.id else self._before_filter
        if box.value:
            box.value = ""  # its Input.Changed comes later and finds nothing to do
            self.filter_text = ""
            self.rebuild()
        if keep is not None:
            self.highlight(keep)
        self._before_filter = None
        options.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value == self.filter_text:
            return
        if not self.filter_text:
            highlighted = self.query_one(OptionList).highlighted_option
            self._before_filter = highlighted.id if highlighted is not None else None
        self.filter_text = event.value
        self.rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(OptionList).focus()
        self.action_open()

    def on_key(self, event: events.Key) -> None:
        """In the filter, up and down move the list's highlight (typing goes on)."""
        if self.focused is not self.query_one("#filter", Input):
            return
        options = self.query_one(OptionList)
        if event.key == "down":
            options.action_cursor_down()
        elif event.key == "up":
            options.action_cursor_up()
        else:
            return
        event.stop()
        event.prevent_default()

    def action_reset_one(self) -> None:
        """Reset the highlighted lesson's progress (asks first)."""
        option = self.query_one(OptionList).highlighted_option
        if option is None or not option.id:
            return
        lesson_id = option.id
        title = pick(self.lab.course.lesson(lesson_id).title, self.lang)

        def done(yes: bool | None) -> None:
            if yes:
                self.lab.reset_progress(lesson_id)
                self.refresh_texts()

        self.app.push_screen(
            ConfirmScreen(tr("reset_one", self.lang, title=title), self.lang), done
        )

    def action_reset_all(self) -> None:
        """Reset every lesson's progress (asks first)."""

        def done(yes: bool | None) -> None:
            if yes:
                self.lab.reset_progress(None)
                self.refresh_texts()

        self.app.push_screen(ConfirmScreen(tr("reset_all", self.lang), self.lang), done)
