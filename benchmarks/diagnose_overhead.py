"""Overhead of `dllab diagnose` on whole runs: its wall time over the script's own.

For each script in `diagnose_scripts/`, runs `python SCRIPT` and
`dllab diagnose SCRIPT --json` (the default mode: the whole run, to the script's
end) alternately, `--repeat` times, and prints the medians and their ratio. Both
include interpreter start-up and `import torch`, as a user sees them, and CPU
time (user + system of every process) besides wall time, because wall time on a
shared machine swings with the load. Target: ratio* <= 1.10. The load average
is printed before and after, and after each script (`load`, 1 minute). On a
busy machine both ratios swing by tens of percent from run to run: compare a
change with `--baseline`, whose runs share the rotation (and the load).

`dllab diagnose`'s child ends with `os._exit` once the report is written, which
skips the interpreter's teardown; after a torch run that teardown takes 0.6-1.3 s
on this machine, more than diagnose adds to a short script. So each
script also runs bare the same way (`runpy`, then `os._exit(0)`: column
`no teardown`), and the ratio against that (`ratio*`) is the instrumentation's
own cost, the one the target is for; `ratio` is against `python SCRIPT`, what a
user sees.

`--baseline TREE` adds columns: `dllab diagnose` imported from another
checkout (e.g. `git archive main | tar -x -C /tmp/base`), run in the same
rotation, so that a change's before and after are measured side by side.

    python benchmarks/diagnose_overhead.py [--repeat 3] [--baseline TREE] [mlp.py cnn.py lstm.py tiny.py long.py]
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


NO_TEARDOWN = (
    "import os, runpy, sys; sys.argv = sys.argv[1:];"
    " runpy.run_path(sys.argv[0], run_name='__main__'); sys.stdout.flush(); os._exit(0)"
)
"""Runs a script and then ends as `dllab diagnose`'s child does: without the interpreter's teardown."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "scripts", nargs="*", default=list(SCRIPTS), help="Which scripts (default: all)."
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="Another dllab checkout whose `dllab diagnose` is measured in the same rotation.",
    )
    parser.add_argument(
        "--threads",
        default="1",
        help="OMP_NUM_THREADS for both runs (default 1: fair on a shared machine).",
    )
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": args.threads}
    trees = {"diagnose": Path(__file__).resolve().parents[1]}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (before)")
    print(
        f"{'script':8s} {'steps':>5s} | {'wall s: script':>14s} {'no teardown':>11s} "
        + " ".join(f"{k:>9s} {'ratio':>6s} {'ratio*':>6s}" for k in trees)
        + f" | {'cpu s: no teardown':>18s} "
        + " ".join(f"{k:>9s} {'ratio*':>6s}" for k in trees)
        + " | load | diagnosis"
    )
    ratios: dict[str, list[float]] = {k: [] for k in trees}
    for name in args.scripts:
        steps = SCRIPTS[name]
        plain: list[tuple[float, float]] = []
        quick: list[tuple[float, float]] = []
        diag: dict[str, list[tuple[float, float]]] = {k: [] for k in trees}
        status = "?"
        for _ in range(args.repeat):
            plain.append(timed([sys.executable, name], env)[:2])
            quick.append(timed([sys.executable, "-c", NO_TEARDOWN, name], env)[:2])
            for key, tree in trees.items():
                tree_env = {**env, "PYTHONPATH": str(tree)}
                cmd = [sys.executable, "-m", "dllab", "diagnose", name, "--json"]
                wall, cpu, out = timed(cmd, tree_env)
                diag[key].append((wall, cpu))
                doc = json.loads(out)
                status = f"{doc['status']}, {doc['steps_observed']} steps, {[f['check'] for f in doc['findings']]}"
        pw = statistics.median(w for w, _ in plain)
        qw = statistics.median(w for w, _ in quick)
        qc = statistics.median(c for _, c in quick)
        walls, cpus = [], []
        for key in trees:
            dw = statistics.median(w for w, _ in diag[key])
            dc = statistics.median(c for _, c in diag[key])
            ratios[key].append(dw / qw)
            walls.append(f"{dw:9.2f} {dw / pw:6.2f} {dw / qw:6.2f}")
            cpus.append(f"{dc:9.2f} {dc / qc:6.2f}")
        print(
            f"{name:8s} {steps:5d} | {pw:14.2f} {qw:11.2f} {' '.join(walls)} |"
            f" {qc:18.2f} {' '.join(cpus)}"
            f" | {os.getloadavg()[0]:4.1f} | {status}",
            flush=True,
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after)")
    for key, values in ratios.items():
        print(f"{key}: max wall ratio* {max(values):.2f} (target <= 1.10)")


if __name__ == "__main__":
    main()
