"""Overhead of `dllab diagnose --nproc-per-node 2` against `torch.distributed.run` alone.

Runs `python -m torch.distributed.run --nproc-per-node 2 ddp_mlp.py` and
`dllab diagnose --nproc-per-node 2 ddp_mlp.py --json` (a 2-rank gloo job on CPU,
160 steps per rank) alternately, `--repeat` times, and prints the medians of wall
and CPU time (user + system of every process) and their ratios, with the load
average before and after: wall time on a shared machine swings with the load.
Both include the launcher, every rank's interpreter start-up and `import torch`,
as a user sees them. Each launch gets a free port of its own. Target: wall ratio
<= 1.15.

    python benchmarks/diagnose_ddp_overhead.py [--repeat 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = "ddp_mlp.py"
STEPS = 160
"""Optimizer steps per rank (5 epochs of 2048 samples per rank, batch 64)."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (every descendant that was waited for) and stdout of one run."""
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
        "--threads", default="1", help="OMP_NUM_THREADS of every rank, both runs (default 1)."
    )
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": args.threads}
    load_before = os.getloadavg()
    plain: list[tuple[float, float]] = []
    diag: list[tuple[float, float]] = []
    status = "?"
    for _ in range(args.repeat):
        launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2"]
        plain.append(timed([*launcher, f"--master-port={_free_port()}", SCRIPT], env)[:2])
        cmd = [sys.executable, "-m", "dllab", "diagnose", "--nproc-per-node", "2", SCRIPT]
        wall, cpu, out = timed([*cmd, "--json"], env)
        diag.append((wall, cpu))
        doc = json.loads(out)
        ranks = [f"{r['rank']}:{r['status']}/{r['steps_observed']}" for r in doc["ranks"]]
        status = (
            f"{doc['status']}, ranks {' '.join(ranks)}, {[f['check'] for f in doc['findings']]}"
        )
    pw, dw = statistics.median(w for w, _ in plain), statistics.median(w for w, _ in diag)
    pc, dc = statistics.median(c for _, c in plain), statistics.median(c for _, c in diag)
    load_after = os.getloadavg()
    print(f"{SCRIPT}, 2 ranks (gloo), {STEPS} steps per rank, median of {args.repeat}")
    print(
        f"wall s: torchrun {pw:.2f}  dllab diagnose {dw:.2f}  ratio {dw / pw:.2f} (target <= 1.15)"
    )
    print(f"cpu s:  torchrun {pc:.2f}  dllab diagnose {dc:.2f}  ratio {dc / pc:.2f}")
    print(
        f"all wall s: torchrun {[round(w, 2) for w, _ in plain]}  diagnose {[round(w, 2) for w, _ in diag]}"
    )
    print(
        "load average (1, 5, 15 min): before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
        + f" on {os.cpu_count()} CPUs"
    )
    print(f"diagnosis: {status}")


if __name__ == "__main__":
    main()
