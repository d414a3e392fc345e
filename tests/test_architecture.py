"""The import rules of the README's "Architecture" section, checked on the source.

Every `import` in `dllab/` (at the top, inside functions and under
`TYPE_CHECKING` alike: a lazy import is still a dependency) is read with `ast`
and checked against `RULES`. The table is the layering: the course is a leaf,
the engine and diagnose sit on it, the UI and the commands on top, and no
domain package reaches up into the command layer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dllab"

BASE = (
    "dllab",
    "dllab.errors",
    "dllab.paths",
    "dllab.exit_codes",
    "dllab.fsutil",
    "dllab.logscale",
    "dllab.heatcells",
)
"""Small leaf modules anybody may import (`dllab` itself for `__version__`)."""


@dataclass(frozen=True)
class Rule:
    """What the modules of one package may import."""

    dllab: tuple[str, ...]
    """dllab packages/modules it may import (besides itself and BASE)."""
    forbidden: tuple[str, ...] = ()
    """Third-party top-level packages it must not import."""


UI_ONLY = ("textual", "textual_plotext")
"""Only the lab (dllab/tui) draws with Textual."""
NO_TORCH = ("torch", *UI_ONLY)
CLI_ONLY = ("click",)

RULES: dict[str, Rule] = {
    "dllab": Rule((), (*NO_TORCH, *CLI_ONLY)),  # dllab/__init__.py only (the version)
    "dllab.errors": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.paths": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.exit_codes": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.fsutil": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.logscale": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.heatcells": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.curriculum": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.probes": Rule((), (*UI_ONLY, *CLI_ONLY)),
    "dllab.lessonkit": Rule(("dllab.probes",), (*UI_ONLY, *CLI_ONLY)),
    "dllab.progress": Rule((), (*NO_TORCH, *CLI_ONLY)),
    "dllab.engine": Rule(("dllab.curriculum",), (*UI_ONLY, *CLI_ONLY)),
    "dllab.diagnose": Rule(("dllab.probes",), (*UI_ONLY, *CLI_ONLY)),
    "dllab.charts": Rule(("dllab.curriculum", "dllab.engine"), (*NO_TORCH, *CLI_ONLY)),
    "dllab.compare": Rule(("dllab.curriculum", "dllab.engine"), (*NO_TORCH, *CLI_ONLY)),
    "dllab.hunts": Rule(
        ("dllab.curriculum", "dllab.engine", "dllab.diagnose"), (*NO_TORCH, *CLI_ONLY)
    ),
    "dllab.mirrors": Rule(
        ("dllab.curriculum", "dllab.engine", "dllab.charts"), (*NO_TORCH, *CLI_ONLY)
    ),
    "dllab.tui": Rule(
        (
            "dllab.curriculum",
            "dllab.engine",
            "dllab.diagnose",
            "dllab.mirrors",
            "dllab.charts",
            "dllab.compare",
            "dllab.hunts",
            "dllab.progress",
        ),
        ("torch", *CLI_ONLY),
    ),
    "dllab.commands": Rule(
        (
            "dllab.curriculum",
            "dllab.engine",
            "dllab.diagnose",
            "dllab.mirrors",
            "dllab.charts",
            "dllab.compare",
            "dllab.hunts",
            "dllab.progress",
            "dllab.tui",
        ),
        ("torch", *UI_ONLY),
    ),
    "dllab.cli": Rule(("dllab.commands",), NO_TORCH),
    "dllab.__main__": Rule(("dllab.cli",), NO_TORCH),
}
"""Package (or top-level module) -> what it may import. Nothing imports `dllab.commands`
but `dllab.cli` and the commands themselves."""


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rule_for(module: str) -> tuple[str, Rule] | None:
    """The most specific row of RULES that covers `module`."""
    rows = [key for key in RULES if _within(module, key) and (key != "dllab" or module == key)]
    if not rows:
        return None
    key = max(rows, key=len)
    return key, RULES[key]


def _is_submodule(base: str, name: str) -> bool:
    folder = ROOT.joinpath(*base.split("."))
    return base.split(".")[0] == "dllab" and (
        (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()
    )


def imported_names(module: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every module name the source imports, with its line (relative imports resolved)."""
    names: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "__future__":
                continue
            # `from dllab import exit_codes` imports the module dllab.exit_codes;
            # `from dllab import __version__` only dllab itself
            names.extend(
                (node.lineno, f"{base}.{alias.name}" if _is_submodule(base, alias.name) else base)
                for alias in node.names
            )
    return names


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports of one module that break RULES, as 'module:line imports name (why)'."""
    found = rule_for(module)
    if found is None:
        return [f"{module}: no row in RULES covers it (add one)"]
    own, rule = found
    problems = []
    for line, name in imported_names(module, source, is_package):
        top = name.split(".")[0]
        if top == "dllab":
            allowed = (own, *BASE, *rule.dllab)
            # BASE entries allow the module itself, not everything under `dllab`
            if not any(name == a if a == "dllab" else _within(name, a) for a in allowed):
                problems.append(f"{module}:{line} imports {name} (not allowed for {own})")
        elif top in rule.forbidden:
            problems.append(f"{module}:{line} imports {name} ({own} must not import {top})")
    return problems


def _modules() -> list[tuple[str, Path]]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        result.append((".".join(parts), path))
    return result


def test_every_import_in_dllab_follows_the_table() -> None:
    problems = []
    for module, path in _modules():
        source = path.read_text(encoding="utf-8")
        problems += violations(module, source, is_package=path.name == "__init__.py")
    assert not problems, "\n".join(problems)


def test_every_rule_names_real_code() -> None:
    modules = {m for m, _ in _modules()}
    for key, rule in RULES.items():
        for name in (key, *rule.dllab):
            exists = any(_within(m, name) for m in modules)
            assert exists, f"RULES names {name}, which does not exist"


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("dllab.curriculum.x", "from dllab.engine.run import Run\n", "dllab.engine.run"),
        ("dllab.curriculum.x", "def f():\n    import dllab.diagnose.api\n", "dllab.diagnose.api"),
        (
            "dllab.curriculum.x",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from dllab.tui.app import LabApp\n",
            "dllab.tui.app",
        ),
        ("dllab.engine.x", "from textual.app import App\n", "textual.app"),
        ("dllab.probes.x", "import textual_plotext\n", "textual_plotext"),
        ("dllab.tui.widgets.x", "import torch\n", "torch"),
        ("dllab.diagnose.x", "from dllab.commands.options import visdom_option\n", "commands"),
        ("dllab.mirrors.x", "from dllab.diagnose.report import Report\n", "dllab.diagnose"),
        ("dllab.engine.x", "from dllab import cli\n", "dllab.cli"),
        ("dllab.curriculum.x", "from ..engine import run\n", "dllab.engine"),
        ("dllab.nowhere", "import os\n", "no row"),
    ],
)
def test_the_checker_catches_a_wrong_import(module: str, source: str, expected: str) -> None:
    problems = violations(module, source)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_checker_accepts_allowed_imports() -> None:
    source = (
        "import math\nfrom dllab.errors import LessonError\nfrom dllab import paths\n"
        "from dllab.curriculum.model import Lesson\nfrom .model import Knob\n"
    )
    assert violations("dllab.curriculum.loader", source) == []
    assert violations("dllab.engine.run", "from dllab.curriculum.claims import Check\n") == []


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_the_lab_app_does_not_import_torch() -> None:
    """The rule holds transitively: nothing the app imports at start pulls torch in."""
    assert "torch" not in _imported_after("import dllab.tui.app")


def test_the_course_and_the_engine_do_not_import_textual() -> None:
    loaded = _imported_after(
        "import dllab.curriculum.loader, dllab.curriculum.check, dllab.engine.run, dllab.hunts"
    )
    assert not loaded & {"textual", "textual_plotext", "torch"}
