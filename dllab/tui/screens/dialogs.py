"""Small modal screens: a yes/no question and the key help."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from dllab.tui.i18n import tr


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, lang: str = "en") -> None:
        super().__init__()
        self.question = question
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            with Horizontal(classes="buttons"):
                yield Button(tr("yes", self.lang), id="yes", variant="error", compact=True)
                yield Button(tr("no", self.lang), id="no", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


HELP_EN = (
    "dllab is a lab: every lesson is a live PyTorch run. Read the text on the left, "
    "turn the knobs (k), run (r) and watch the claim's ✓/✗ marks flip.\n\n"
    "Charts redraw at --fps (default 4 per second). Re-running keeps the previous "
    "run as a grey overlay; v lays any of the lesson's recorded runs on the same axes. "
    "Hints are opt-in (h). Bug hunts open the file to fix in "
    "$EDITOR (e) and re-check it on every save. Tab moves between panels; Escape "
    "leaves an input or goes back. Progress is saved as you go."
)
"""One paragraph a line: the dialog wraps them at its own width (no ragged hard breaks)."""

HELP_ZH = (
    "dllab 是一个实验室：每一课都是一次实时的 PyTorch 训练。阅读左侧课文，调节旋钮（k），"
    "运行（r），观察论断的 ✓/✗ 如何变化。\n\n"
    "图表按 --fps 刷新（默认每秒 4 次）。再次运行时上一次结果以灰色叠加显示；按 v 可把本课"
    "任意几次运行记录画在同一坐标里对比。提示需主动"
    "打开（h）。找 Bug 课程用 $EDITOR 打开待修文件（e），每次保存自动重新检查。Tab 在面板间"
    "切换；Esc 离开输入框或返回。进度会自动保存。"
)


class HelpScreen(ModalScreen[None]):
    """Every key of the screen underneath, with a short guide."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Close"),
        Binding("question_mark", "app.pop_screen", "Close", show=False),
        Binding("q", "app.pop_screen", "Close", show=False),
    ]

    def __init__(self, keys: list[tuple[str, str]], lang: str = "en") -> None:
        super().__init__()
        self.keys = keys
        self.lang = lang

    def compose(self) -> ComposeResult:
        text = Text(HELP_ZH if self.lang == "zh" else HELP_EN)
        text.append(f"\n\n{tr('help_title', self.lang)}", style="bold")
        # the footer under the dialog is the screen's: say how to leave the help itself
        text.append(f"  {tr('help_close', self.lang)}\n", style="dim")
        for key, description in self.keys:
            text.append(f"  {key:>8}  ", style="bold cyan")
            text.append(description + "\n")
        with VerticalScroll(classes="dialog help"):
            yield Static(text)
