"""Visdom (and torch, for the help) is never imported unless mirroring asks for it."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import atexit, sys
def report():
    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'visdom', 'torch', 'requests'})
    sys.stderr.write('LOADED ' + ','.join(heavy) + ' MIRROR ' + str('dllab.mirrors' in sys.modules) + '\\n')
atexit.register(report)
from dllab.cli import main
sys.argv = ['dllab', *sys.argv[1:]]
main()
"""


def loaded(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("LOADED")]
    assert line, done.stderr
    return line[-1]


def test_help_imports_neither_visdom_nor_torch() -> None:
    assert loaded("--help") == "LOADED  MIRROR False"


@pytest.mark.slow
def test_run_without_visdom_does_not_import_it() -> None:
    assert (
        loaded("run", "vanishing-gradients", "--steps", "2", "--json")
        == "LOADED torch MIRROR False"
    )


@pytest.mark.slow
def test_run_with_visdom_mirrors_without_importing_visdom() -> None:
    """The mirror speaks HTTP with the standard library (a dead port: the run still completes)."""
    from tests.mirrors.conftest import free_port

    line = loaded(
        "run",
        "vanishing-gradients",
        "--steps",
        "2",
        "--json",
        "--visdom",
        f"http://127.0.0.1:{free_port()}",
    )
    assert line == "LOADED torch MIRROR True"
