"""Import a lesson's experiment: the `run(cfg)` generator in its `experiment.py`.

Loading is part of the lesson format (`dllab lessons check` imports every
experiment), so it lives here; running it is the engine's job (`engine/loop.py`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from dllab.errors import LessonError

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

Experiment = Callable[[Any], Iterator[dict[str, Any]]]
"""`run(cfg)`: takes the engine's `ArmConfig`, yields one dict of metrics per step."""


def load_experiment(lesson: Lesson) -> Experiment:
    """Import the lesson's experiment module and return its `run` function.

    Raises:
        LessonError: the file fails to import or has no `run(cfg)`.
    """
    path = lesson.experiment_path
    module_name = "dllab_lesson_" + lesson.id.replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LessonError(path, "cannot be imported", "experiment")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        line = _user_line(exc, str(path))
        raise LessonError(
            path, f"fails to import{line}: {type(exc).__name__}: {exc}", "experiment"
        ) from None
    run = getattr(module, "run", None)
    if not callable(run):
        raise LessonError(path, "defines no run(cfg) generator function", "experiment")
    return run  # type: ignore[no-any-return]


def _user_line(exc: BaseException, filename: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f" (line {exc.lineno})"
    return f" (line {frames[-1].lineno})" if frames else ""
