"""The one exception hierarchy of dllab.

Every error a user can cause derives from `DllabError`; the CLI turns these into
one clear line and an exit code (see `exit_codes.py`), never a traceback.
"""

from __future__ import annotations


class DllabError(Exception):
    """Base of every error dllab reports to the user as a message."""


class LessonError(DllabError):
    """A lesson (manifest, lesson.toml, text or experiment) is malformed.

    The message always names the file and, where it can, the field.
    """

    def __init__(self, path: object, message: str, field: str | None = None) -> None:
        self.path = str(path)
        self.field = field
        where = f"{self.path}" + (f" [{field}]" if field else "")
        super().__init__(f"{where}: {message}")
        self.detail = message


class UnknownLessonError(DllabError):
    """No lesson has the id the user asked for."""


class ConfigError(DllabError):
    """A knob name, knob value, step count or seed the user gave is not valid."""


class DeviceError(DllabError):
    """The requested device does not exist here (e.g. `cuda` without CUDA)."""


class RunRecordError(DllabError):
    """A recorded run could not be found or read."""


class ScriptLoadError(DllabError):
    """A user's script could not be read or parsed."""


class DiagnoseError(DllabError):
    """`dllab diagnose` could not run the user's script to a report."""
