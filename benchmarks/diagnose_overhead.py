"""Overhead of `dllab diagnose`: its wall time over the script's own, for the same steps.

For each script in `diagnose_scripts/`, runs `python SCRIPT` and
`dllab diagnose SCRIPT --json --max-steps N` (N above the script's full step count,
so both do the same work) alternately, `--repeat` times, and prints the medians
and their ratio. Both include interpreter start-up and `import torch`, as a user
sees them. Target: ratio <= 1.5.

    python benchmarks/diagnose_overhead.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"mlp.py": 160, "cnn.py": 90, "lstm.py": 100}
"""Script -> its optimizer steps."""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=HERE / "diagnose_scripts", check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--threads",
        default="1",
        help="OMP_NUM_THREADS for both runs (default 1: fair on a shared machine).",
    )
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": args.threads}
    print(
        f"{'script':10s} {'steps':>5s} {'script s':>9s} {'diagnose s':>11s} {'ratio':>6s}  status"
    )
    ratios = []
    for name, steps in SCRIPTS.items():
        plain, diag = [], []
        status = "?"
        for _ in range(args.repeat):
            plain.append(timed([sys.executable, name], env)[0])
            seconds, out = timed(
                [
                    sys.executable,
                    "-m",
                    "dllab",
                    "diagnose",
                    name,
                    "--json",
                    "--max-steps",
                    str(steps + 1),
                    "--time-limit",
                    "600",
                ],
                env,
            )
            diag.append(seconds)
            doc = json.loads(out)
            status = (
                f"{doc['status']}, {doc['steps_observed']} steps, {len(doc['findings'])} findings"
            )
        p, d = statistics.median(plain), statistics.median(diag)
        ratios.append(d / p)
        print(f"{name:10s} {steps:5d} {p:9.2f} {d:11.2f} {d / p:6.2f}  {status}", flush=True)
    print(f"max ratio {max(ratios):.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
