"""The runs panel: a lesson's recorded runs, several of them on the same axes.

`v` on the lesson screen pushes it. The table lists every recorded run of the
lesson, newest first, each named by what it changed from the lesson's defaults,
with its seed, when it ran and its final value of the chart's metric. Space
(or Enter) chooses a run for the chart ([x]); a chosen run takes the first free
slot, and the slot fixes its colour and marker for as long as it stays chosen.
`b` pins the highlighted run as the baseline ([B]: drawn in white, named first
in the legend, and the readout gives every other value's distance from it); `[`/`]`
(←/→ on the chart) move a cursor along the steps and the readout shows every
visible series' value there. The legend names what differed among the chosen
runs (`dllab.compare.labels`, as `dllab runs compare` does). Records are read
in a thread, so a big metrics file never holds a key press.
"""

from __future__ import annotations

import bisect
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from dllab.charts import ANSI_CODES, RunSeries, run_style
from dllab.compare import (
    describe,
    final_value,
    from_defaults,
    labels,
    load_history,
    steps_of,
    when,
)
from dllab.curriculum.model import ChartKind, Lesson, pick
from dllab.engine.history import RunHistory
from dllab.engine.records import RunRecord, list_runs
from dllab.tui.i18n import tr
from dllab.tui.messages import RunRecorded
from dllab.tui.screens.base import LabScreen
from dllab.tui.widgets.keybar import KeyBar
from dllab.tui.widgets.runschart import RunsChart

PRESELECT = 5
"""The newest runs chosen when the panel opens (five learning rates: five curves)."""


class RunsScreen(LabScreen):
    """A lesson's recorded runs: choose some, pin a baseline, read values at a step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "choose", "Select"),
        Binding("b", "baseline", "Baseline"),
        Binding("left_square_bracket", "move_cursor(-1)", "Step ←", key_display="["),
        Binding("right_square_bracket", "move_cursor(1)", "Step →", key_display="]"),
        Binding("left_curly_bracket", "move_cursor(-10)", show=False),
        Binding("right_curly_bracket", "move_cursor(10)", show=False),
        Binding("c", "next_metric", "Chart"),
        Binding("a", "next_arm", "Arm"),
        Binding("y", "toggle_log", "Log y"),
        Binding("escape", "back", "Back"),
    ]

    DEFAULT_CSS = """
    RunsScreen #runs-table { height: auto; max-height: 6; }
    RunsScreen #runs-empty { height: auto; padding: 1 1; color: $text-muted; }
    """

    def __init__(self, lesson: Lesson) -> None:
        super().__init__(name=f"runs-{lesson.id}")
        self.lesson = lesson
        self.records: list[RunRecord] = []
        """The lesson's recorded runs, newest first."""
        self.slots: dict[str, int] = {}
        """Chosen run id -> its slot (colour and marker)."""
        self.baseline: str | None = None
        self.histories: dict[str, RunHistory] = {}
        """Read so far, by run id."""
        self.metrics = line_metrics(lesson)
        self.metric_index = 0
        self.arm_index = 0
        self.log_flipped = False
        self.cursor: int | None = None
        self.generation = 0
        """Bumped when the records are re-read: a history read before that is dropped."""

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        marker = "*" if self.lab.options.ascii_markers else "braille"
        yield Header()
        table: DataTable[str | Text] = DataTable(id="runs-table", cursor_type="row")
        yield table
        yield Static(id="runs-empty")
        yield RunsChart(marker=marker, id="runs-chart")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "dllab"
        self.records = list_runs(self.lesson.id)
        for record in self.records[:PRESELECT]:
            self._choose(record.run_id)
        self.refresh_texts()
        self.query_one(DataTable).focus()
        self._load([r.run_id for r in self.records if r.run_id in self.slots])

    def refresh_texts(self) -> None:
        """(Re)write the table, the chart and the footer in the current language."""
        super().refresh_texts()
        self.retitle(tr("runs_title", self.lang, title=pick(self.lesson.title, self.lang)))
        empty = self.query_one("#runs-empty", Static)
        empty.display = not self.records
        empty.update(tr("runs_none", self.lang))
        self.query_one(DataTable).display = bool(self.records)
        self.query_one(RunsChart).display = bool(self.records)
        self._fill_table()
        self.redraw()

    # -- what is shown ---------------------------------------------------------
    @property
    def metric(self) -> str:
        """The metric on the chart (`c` cycles the lesson's line-chart metrics)."""
        return self.metrics[self.metric_index % len(self.metrics)]

    @property
    def arm(self) -> str:
        """The arm on the chart (`a` cycles them): one arm, so each run is one curve."""
        arms = list(self.lesson.arms)
        return arms[self.arm_index % len(arms)] if arms else ""

    def chosen(self) -> list[RunRecord]:
        """The chosen runs, in table order (newest first)."""
        return [r for r in self.records if r.run_id in self.slots]

    def _choose(self, run_id: str) -> None:
        used = set(self.slots.values())
        self.slots[run_id] = next(i for i in range(len(used) + 1) if i not in used)

    def _row_cells(self, record: RunRecord) -> list[str | Text]:
        lang, run_id = self.lang, record.run_id
        mark = Text(
            "[B] " if run_id == self.baseline else "[x] " if run_id in self.slots else "[ ] "
        )
        if run_id in self.slots:
            colors = not self.app.no_color
            marker = self.query_one(RunsChart).marker
            color, glyph = run_style(self.slots[run_id], run_id == self.baseline, marker, colors)
            swatch = "━━" if glyph == "braille" else glyph * 2
            mark.append(swatch, style=f"color({ANSI_CODES.get(color, 7)})" if colors else "")
        else:
            mark.append("  ")
        name = self.row_name(record)
        if record.status != "completed":
            name += f" ({tr(record.status, lang)})"
        value = final_value(record, self.arm, self.metric)
        seed = (record.meta.get("config") or {}).get("seed", "")
        return [mark, name, str(seed), when(record), "" if value is None else f"{value:.4g}"]

    def row_name(self, record: RunRecord) -> str:
        """What the run changed from the lesson's defaults (`rate=0.2`), or 'defaults'."""
        return describe(from_defaults(record, self.lesson)) or tr("runs_defaults", self.lang)

    def _fill_table(self) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        lang = self.lang
        for label in ("", tr("runs_run", lang), tr("seed", lang), tr("runs_when", lang)):
            table.add_column(label)
        table.add_column(tr("runs_final", lang, metric=self.metric), key="value")
        for record in self.records:
            table.add_row(*self._row_cells(record), key=record.run_id)
        if self.records:
            table.move_cursor(row=min(row, len(self.records) - 1), animate=False)

    def _update_row(self, run_id: str) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        record = next(r for r in self.records if r.run_id == run_id)
        for column, cell in zip(table.columns, self._row_cells(record), strict=True):
            table.update_cell(run_id, column, cell, update_width=True)

    def arm_label(self) -> str:
        """The arm on the chart, in words."""
        arm = self.lesson.arms.get(self.arm)
        return pick(arm.label, self.lang) if arm is not None else self.arm

    def series(self) -> list[RunSeries]:
        """The chosen runs whose records are read, labelled by what differed among them."""
        chosen = self.chosen()
        named = {}
        for record, label in zip(chosen, labels(chosen), strict=True):
            if label == record.run_id:  # nothing differed (one run): what it changed, then
                label = self.row_name(record)
                if len(chosen) > 1:  # runs alike in every setting: when each ran sets them apart
                    label += f" · {when(record)}"
            named[record.run_id] = label
        return [
            RunSeries(
                named[r.run_id],
                self.histories[r.run_id],
                self.arm,
                self.slots[r.run_id],
                baseline=r.run_id == self.baseline,
            )
            for r in chosen
            if r.run_id in self.histories
        ]

    def log_y(self) -> bool:
        """Log y as the metric's lesson chart has it, unless `y` flipped it."""
        spec = next(
            (
                c
                for c in self.lesson.charts
                if c.kind is ChartKind.LINE and self.metric in c.metrics
            ),
            None,
        )
        return (spec is not None and spec.log_y) != self.log_flipped

    def redraw(self) -> None:
        """Redraw the chart and its readout."""
        if not self.records:
            return
        title = f"{self.metric} · {self.arm_label()}"
        self.query_one(RunsChart).show(
            title,
            self.metric,
            self.series(),
            log_y=self.log_y(),
            cursor=self.cursor,
            lang=self.lang,
        )

    # -- reading records -------------------------------------------------------
    def _load(self, run_ids: list[str]) -> None:
        records = [r for r in self.records if r.run_id in run_ids]
        self._read(records, self.generation)

    @work(thread=True, group="runs-load", exit_on_error=False)
    def _read(self, records: list[RunRecord], generation: int) -> None:
        for record in records:
            if record.run_id in self.histories:
                continue
            history = load_history(record)
            self.app.call_from_thread(self._loaded, record.run_id, history, generation)

    def _loaded(self, run_id: str, history: RunHistory, generation: int) -> None:
        if generation != self.generation:
            return  # read before the records changed (a run that was still training)
        self.histories[run_id] = history
        if run_id in self.slots:
            self.redraw()

    def on_run_recorded(self, message: RunRecorded) -> None:
        """A run of this lesson ended while the panel is open: show it as it ended."""
        message.stop()
        if message.lesson_id == self.lesson.id:
            self.reload()

    def reload(self) -> None:
        """Re-read the lesson's records: new runs are added (chosen while fewer than
        PRESELECT are), a run that changed (unfinished -> completed) is read again."""
        before = {r.run_id: r for r in self.records}
        self.records = list_runs(self.lesson.id)
        self.generation += 1
        for record in self.records:
            old = before.get(record.run_id)
            if old is None or old.status != record.status or old.result != record.result:
                self.histories.pop(record.run_id, None)
                if old is None and len(self.slots) < PRESELECT:
                    self._choose(record.run_id)
        kept = {r.run_id for r in self.records}
        self.slots = {k: v for k, v in self.slots.items() if k in kept}
        if self.baseline not in kept:
            self.baseline = None
        self.refresh_texts()
        self._load([r.run_id for r in self.records if r.run_id in self.slots])

    # -- keys ------------------------------------------------------------------
    def _highlighted(self) -> str | None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        if not self.records:
            return None
        return self.records[min(table.cursor_row, len(self.records) - 1)].run_id

    def action_choose(self) -> None:
        """Choose the highlighted run for the chart, or leave it out."""
        run_id = self._highlighted()
        if run_id is None:
            return
        if run_id in self.slots:
            del self.slots[run_id]
            if run_id == self.baseline:
                self.baseline = None
        else:
            self._choose(run_id)
            self._load([run_id])
        self._update_rows()
        self.redraw()

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        """Enter chooses a run too."""
        message.stop()
        self.action_choose()

    def action_baseline(self) -> None:
        """Pin the highlighted run as the baseline (again: unpin it)."""
        run_id = self._highlighted()
        if run_id is None:
            return
        if run_id == self.baseline:
            self.baseline = None
        else:
            self.baseline = run_id
            if run_id not in self.slots:
                self._choose(run_id)
                self._load([run_id])
        self._update_rows()
        self.redraw()

    def _update_rows(self) -> None:
        for record in self.records:
            self._update_row(record.run_id)

    def action_move_cursor(self, by: int) -> None:
        """Move the value cursor `by` recorded steps (from the end, the first time)."""
        steps = steps_of([s.history for s in self.series()], [self.arm], self.metric)
        if not steps:
            return
        if self.cursor is None:
            i = len(steps) - 1 + min(0, by)
        else:
            i = bisect.bisect_left(steps, self.cursor) + by
        self.cursor = steps[max(0, min(len(steps) - 1, i))]
        self.redraw()

    def action_next_metric(self) -> None:
        """The next metric of the lesson's line charts."""
        self.metric_index = (self.metric_index + 1) % len(self.metrics)
        self.log_flipped = False
        self._fill_table()
        self.redraw()

    def action_next_arm(self) -> None:
        """The next arm."""
        self.arm_index = (self.arm_index + 1) % max(1, len(self.lesson.arms))
        self._fill_table()
        self.redraw()

    def action_toggle_log(self) -> None:
        """Log/linear y."""
        self.log_flipped = not self.log_flipped
        self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_arm":
            return len(self.lesson.arms) > 1
        if action == "next_metric":
            return len(self.metrics) > 1
        return True

    def action_back(self) -> None:
        """Back to the lesson."""
        self.app.pop_screen()


def line_metrics(lesson: Lesson) -> list[str]:
    """The metrics of the lesson's line charts, in chart order (`loss` if it has none)."""
    names: list[str] = []
    for chart in lesson.charts:
        if chart.kind is ChartKind.LINE:
            names += [m for m in chart.metrics if m not in names]
    return names or ["loss"]
