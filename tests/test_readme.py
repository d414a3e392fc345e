"""The README's first commands are the ones a new user copies: they must work as they are."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def first_block() -> list[str]:
    """The command lines of the first bash block (comments cut off)."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None, "the README starts with no bash block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_first_block_makes_a_venv_before_installing() -> None:
    """A system Python on Debian/Ubuntu refuses `pip install` (externally-managed-environment)."""
    lines = first_block()
    venv = next(i for i, line in enumerate(lines) if "-m venv" in line and "activate" in line)
    pips = [i for i, line in enumerate(lines) if line.startswith("pip install")]
    assert pips and venv < min(pips), lines


def test_the_cpu_route_sits_in_the_same_block_before_the_install() -> None:
    """Without the CPU wheel first, `pip install .` pulls the CUDA stack onto a CPU-only box."""
    lines = first_block()
    cpu = [i for i, line in enumerate(lines) if "download.pytorch.org/whl/cpu" in line]
    install = [i for i, line in enumerate(lines) if line.startswith("pip install .")]
    assert cpu and install and cpu[0] < install[0], lines
    assert lines[cpu[0]].startswith("pip install torch --index-url"), lines[cpu[0]]
