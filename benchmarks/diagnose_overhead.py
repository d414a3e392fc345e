"""Overhead of `dllab diagnose` on whole runs: its wall time over the script's own.

For each script in `diagnose_scripts/`, runs `python SCRIPT` and
`dllab diagnose SCRIPT --json` (the default mode: the whole run, to the script's
end) alternately, `--repeat` times, and prints the medians and their ratio. Both
include interpreter start-up and `import torch`, as a user sees them, and CPU
time (user + system of every process) besides wall time, because wall time on a
shared machine swings with the load. Target: ratio <= 1.10.

    python benchmarks/diagnose_overhead.py [--repeat 3] [mlp.py cnn.py lstm.py tiny.py long.py]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"mlp.py": 160, "cnn.py": 90, "lstm.py": 100, "tiny.py": 1000, "long.py": 3000}
"""Script -> its optimizer steps."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (all child processes, user + system) and stdout of one run.

    Each run gets its own session, as `dllab diagnose` gives its child: with Linux
    autogroup scheduling a new session gets its own CPU share on a busy machine,
    which would otherwise favour the diagnosed run.
    """
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=env,
        cwd=HERE / "diagnose_scripts",
        check=False,
        start_new_session=True,
    )
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return wall, cpu, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "scripts", nargs="*", default=list(SCRIPTS), help="Which scripts (default: all)."
    )
    parser.add_argument(
        "--threads",
        default="1",
        help="OMP_NUM_THREADS for both runs (default 1: fair on a shared machine).",
    )
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": args.threads}
    print(
        f"{'script':8s} {'steps':>5s} | {'wall s: script':>14s} {'diagnose':>9s} {'ratio':>6s} | {'cpu s: script':>13s} {'diagnose':>9s} {'ratio':>6s} | diagnosis"
    )
    ratios = []
    for name in args.scripts:
        steps = SCRIPTS[name]
        plain: list[tuple[float, float]] = []
        diag: list[tuple[float, float]] = []
        status = "?"
        for _ in range(args.repeat):
            plain.append(timed([sys.executable, name], env)[:2])
            cmd = [
                sys.executable,
                "-m",
                "dllab",
                "diagnose",
                name,
                "--json",
            ]
            wall, cpu, out = timed(cmd, env)
            diag.append((wall, cpu))
            doc = json.loads(out)
            status = f"{doc['status']}, {doc['steps_observed']} steps, {[f['check'] for f in doc['findings']]}"
        pw, dw = statistics.median(w for w, _ in plain), statistics.median(w for w, _ in diag)
        pc, dc = statistics.median(c for _, c in plain), statistics.median(c for _, c in diag)
        ratios.append(dw / pw)
        print(
            f"{name:8s} {steps:5d} | {pw:14.2f} {dw:9.2f} {dw / pw:6.2f} | {pc:13.2f} {dc:9.2f} {dc / pc:6.2f} | {status}",
            flush=True,
        )
    print(f"max wall ratio {max(ratios):.2f} (target <= 1.10)")


if __name__ == "__main__":
    main()
