"""`KnobsPanel`: one input per knob (with its range and help), plus steps and seed.

A knob that every arm fixes (e.g. the activation in a sigmoid-vs-ReLU lesson)
gets one input per arm (`ARM.KNOB`), since a shared value would be overridden.
Values are checked as they are typed with the knob's own `Knob.coerce`: a
number field takes only what can make a number (Textual's `Input(type=...)`),
and an out-of-range or unfinished value says why under its field at once.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

from dllab.curriculum.model import Knob, KnobType, Lesson, pick
from dllab.engine.config import RunConfig, apply_settings, default_config
from dllab.errors import ConfigError


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class KnobsPanel(VerticalScroll):
    """Inputs for a lesson's knobs; `build_config()` turns them into a `RunConfig`."""

    DEFAULT_CSS = """
    KnobsPanel { padding: 0 1; }
    KnobsPanel .knob-label { margin-top: 1; text-style: bold; }
    KnobsPanel .knob-help { color: $text-muted; }
    KnobsPanel Input.-invalid { color: $error; }
    KnobsPanel .knob-error { color: $error; height: auto; }
    KnobsPanel Select { width: 100%; }
    """

    def __init__(self, lesson: Lesson, lang: str = "en", id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson
        self.lang = lang
        self.errors: dict[str, str] = {}
        self.fields: dict[str, tuple[Knob | None, Widget]] = {}
        """Setting key ('knob', 'arm.knob', '#steps', '#seed') -> (knob, input widget)."""
        self.messages: dict[str, Static] = {}
        """Setting key -> the line under its field that says what is wrong."""

    def _defaults(self) -> dict[str, Any]:
        values: dict[str, Any] = {"#steps": self.lesson.steps, "#seed": self.lesson.seed}
        for name, knob in self.lesson.knobs.items():
            setters = [a for a in self.lesson.arms.values() if name in a.settings]
            if setters and len(setters) == len(self.lesson.arms):
                for arm in setters:
                    values[f"{arm.name}.{name}"] = arm.settings[name]
            else:
                values[name] = knob.default
        return values

    def compose(self) -> ComposeResult:
        defaults = self._defaults()
        for key, value in defaults.items():
            arm, _, name = key.rpartition(".")
            if key.startswith("#"):
                label, knob, help_text = key[1:], None, ""
            else:
                knob = self.lesson.knobs[name]
                label = f"{arm}.{name}" if arm else name
                help_text = pick(knob.help, self.lang)
                label += (
                    f"  [{knob.describe()}]" if knob.type in (KnobType.FLOAT, KnobType.INT) else ""
                )
            yield Label(label, classes="knob-label")
            widget = self._input(key, knob, value)
            self.fields[key] = (knob, widget)
            yield widget
            message = Static("", classes="knob-error")
            message.display = False
            self.messages[key] = message
            yield message
            if help_text:
                yield Static(help_text, classes="knob-help")

    def _input(self, key: str, knob: Knob | None, value: Any) -> Widget:
        wid = "knob-" + key.replace(".", "--").replace("#", "_")
        if knob is not None and knob.type is KnobType.CHOICE:
            return Select(
                [(c, c) for c in knob.choices], value=value, allow_blank=False, id=wid, compact=True
            )
        if knob is not None and knob.type is KnobType.BOOL:
            return Switch(bool(value), id=wid, animate=False)
        if knob is not None and knob.type is KnobType.FLOAT:
            return Input(_fmt(value), id=wid, compact=True, select_on_focus=True, type="number")
        return Input(_fmt(value), id=wid, compact=True, select_on_focus=True, type="integer")

    def _key_of(self, widget: Widget) -> str | None:
        for key, (_, w) in self.fields.items():
            if w is widget:
                return key
        return None

    def on_input_changed(self, event: Input.Changed) -> None:
        key = self._key_of(event.input)
        if key is None:
            return
        self._show(key, self._validate(key, event.value))

    def _show(self, key: str, error: str) -> None:
        """Mark the field and say why under it (or clear both)."""
        self.fields[key][1].set_class(bool(error), "-invalid")
        message = self.messages[key]
        message.update(error)
        message.display = bool(error)
        if error:
            self.errors[key] = error
        else:
            self.errors.pop(key, None)

    def _validate(self, key: str, text: str) -> str:
        knob = self.fields[key][0]
        if knob is None:
            try:
                number = int(text)
            except ValueError:
                return f"{key[1:]} must be a whole number"
            least = 1 if key == "#steps" else 0
            return f"{key[1:]} must be at least {least}" if number < least else ""
        try:
            knob.coerce(text)
        except ValueError as exc:
            return str(exc)
        return ""

    def values(self) -> dict[str, str]:
        """The current text of every field."""
        out: dict[str, str] = {}
        for key, (_, widget) in self.fields.items():
            if isinstance(widget, Input):
                out[key] = widget.value
            elif isinstance(widget, Select):
                out[key] = str(widget.value)
            elif isinstance(widget, Switch):
                out[key] = "true" if widget.value else "false"
        return out

    def build_config(self) -> RunConfig:
        """The lesson's default config with the panel's values applied.

        Raises:
            ConfigError: a field holds an invalid value (the message says which).
        """
        if self.errors:
            raise ConfigError(next(iter(self.errors.values())))
        values = self.values()
        # Only what the learner changed is a setting: an untouched shared field
        # must not collide with an arm that fixes the knob (apply_settings refuses that).
        changed = [
            f"{k}={v}"
            for k, v in values.items()
            if not k.startswith("#") and not self._is_default(k, v)
        ]
        config = apply_settings(self.lesson, default_config(self.lesson), changed)
        config.steps = int(values["#steps"])
        config.seed = int(values["#seed"])
        return config.validate()

    def _is_default(self, key: str, text: str) -> bool:
        knob = self.fields[key][0]
        if knob is None or "." in key:
            return False
        try:
            return bool(knob.coerce(text) == knob.default)
        except ValueError:
            return False

    def set_value(self, key: str, value: Any) -> None:
        """Set one field (tests and reset use it)."""
        widget = self.fields[key][1]
        if isinstance(widget, Input):
            widget.value = _fmt(value)
        elif isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, Switch):
            widget.value = bool(value)

    def reset(self) -> None:
        """Every field back to the lesson's default."""
        for key, value in self._defaults().items():
            self.set_value(key, value)
        for key in self.fields:
            self._show(key, "")
