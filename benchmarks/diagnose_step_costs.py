"""What `dllab diagnose` adds to each training step, measured in one process.

The whole-run ratio (`diagnose_overhead.py`) includes interpreter start-up and
`import torch` on both sides, and on a shared 2-core machine it swings by
+-0.05 from one rotation to the next: more than most changes to the probes.
This benchmark times only the training loop of `diagnose_scripts/long.py`
(Adam on a 32-128-64-4 MLP, batch 64), `--steps` steps from step 0 so that the
dense measurements of a run's start are included, alternating a bare loop and
the same loop under diagnose's instrumentation (a fresh recorder each round) in
one process, `--rounds` times. It prints, per round pair, the ratio of the two,
and their median and minimum, with the load average.

`--instructions` counts instead of timing: each loop (bare, this checkout's
instrumentation, the baseline's) runs once under valgrind's callgrind, which
counts the CPU instructions executed in the loop alone (collection is switched
on around it with `callgrind_control`). The counts do not depend on the load,
so they show a change of a few percent that the timings cannot; time is not
proportional to them (cache misses, the kernels' vector units), but the
instrumentation is Python code, for which it nearly is. About a minute a loop.
The periodic snapshot for the parent (once a second of wall time, and under
valgrind a second is a few steps) is left out of the counted loop. `--warmup`
sets how many steps run before the counted ones: 30 (the default) counts a
run's start, where one step in 10 gets the dense measurements and the dead-unit
windows fill often; 2100 counts a long run's steady state (one dense step in
100), which is most of a whole run's steps.

`--baseline TREE` runs the same measurement with `dllab` imported from another
checkout (e.g. `git archive main | tar -x -C /tmp/base`), in a child process
alternating with one for this checkout, so that a change's before and after
share the machine's state.

    python benchmarks/diagnose_step_costs.py [--rounds 7] [--steps 1000] [--baseline TREE]
    python benchmarks/diagnose_step_costs.py --instructions [--steps 100] [--warmup 30] [--baseline TREE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _training_loop() -> Callable[[int], float]:
    """long.py's model, data and loop; the returned function runs N steps (seconds per step)."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = torch.randn(8192, 32), torch.randint(0, 4, (8192,))
    model = nn.Sequential(
        nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 4)
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loop(steps: int) -> float:
        start = time.perf_counter()
        for step in range(steps):
            i = (step * 64) % 8192
            model.train()
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[i : i + 64]), y[i : i + 64])
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
        return (time.perf_counter() - start) / steps

    return loop


def _instrumented(out_dir: str, snapshots: bool = True) -> Any:
    from dllab.diagnose._instrument import Instrumentation
    from dllab.diagnose._recorder import Recorder

    # The script path only decides which frames are the user's: this file's.
    rec = Recorder(__file__, None, os.path.join(out_dir, "obs.json"))
    if not snapshots:
        rec.flush = lambda *args, **kwargs: None  # type: ignore[method-assign]
    inst = Instrumentation(rec)
    inst.install()
    return inst


def measure(rounds: int, steps: int) -> list[tuple[float, float]]:
    """(bare, instrumented) seconds per step for each round (runs in the child)."""
    loop = _training_loop()
    loop(steps)  # warm-up: allocator, Adam's state
    results = []
    with tempfile.TemporaryDirectory(prefix="dllab-step-costs-") as out_dir:
        for _ in range(rounds):
            bare = loop(steps)
            inst = _instrumented(out_dir)
            try:
                diag = loop(steps)
            finally:
                inst.uninstall()
            results.append((bare, diag))
    return results


def count_loop(instrument: bool, steps: int, warmup: int) -> None:
    """One loop with callgrind's collection on (runs in a child under valgrind)."""
    loop = _training_loop()
    # Nothing is written: the snapshots are switched off.
    inst = _instrumented(tempfile.gettempdir(), snapshots=False) if instrument else None
    loop(warmup)  # allocator, Adam's state; 30: the counted steps are a run's densest
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], capture_output=True, check=True)
    loop(steps)
    subprocess.run(["callgrind_control", "-i", "off", pid], capture_output=True, check=True)
    if inst is not None:
        inst.uninstall()


def instructions(tree: Path, instrument: bool, steps: int, warmup: int) -> int:
    """Instructions executed by one loop of `steps` steps."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={tmp}/out",
                sys.executable,
                __file__,
                "--child-count",
                "diag" if instrument else "bare",
                "--steps",
                str(steps),
                "--warmup",
                str(warmup),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run in {tree} failed:\n{proc.stderr[-3000:]}")
    return int(found.group(1))


def main_instructions(trees: dict[str, Path], steps: int, warmup: int) -> None:
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("--instructions needs valgrind (callgrind and callgrind_control)")
    bare = instructions(ROOT, False, steps, warmup)
    print(
        f"{steps} steps of long.py's loop after {warmup} under callgrind"
        " (instructions; the loop only)"
    )
    print(f"{'':9s} | {'instr/step':>12s} {'extra/step':>12s} {'ratio':>6s}")
    print(f"{'bare':9s} | {bare / steps:12,.0f} {'':12s} {1:6.3f}")
    for key, tree in trees.items():
        count = instructions(tree, True, steps, warmup)
        print(
            f"{key:9s} | {count / steps:12,.0f} {(count - bare) / steps:12,.0f} {count / bare:6.3f}"
        )


def child(tree: Path, rounds: int, steps: int) -> list[tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "--rounds", str(rounds), "--steps", str(steps)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"measurement in {tree} failed:\n{proc.stderr}")
    return [tuple(pair) for pair in json.loads(proc.stdout.splitlines()[-1])]  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument(
        "--baseline", type=Path, help="Another dllab checkout, measured alternately."
    )
    parser.add_argument(
        "--instructions", action="store_true", help="Count instructions under callgrind."
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=30,
        help="--instructions: steps before the counted ones (30: a run's dense start;"
        " 2100: a long run's steady state, one dense step in 100).",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-count", choices=("bare", "diag"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds, args.steps)))
        return
    if args.child_count:
        count_loop(args.child_count == "diag", args.steps, args.warmup)
        return
    trees = {"diagnose": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    if args.instructions:
        main_instructions(trees, args.steps, args.warmup)
        return
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (before)")
    pairs: dict[str, list[tuple[float, float]]] = {k: [] for k in trees}
    # Two children per tree, alternating, so that neither tree gets all the quiet minutes.
    for _ in range(2):
        for key, tree in trees.items():
            pairs[key] += child(tree, (args.rounds + 1) // 2, args.steps)
    print(
        f"{args.steps} steps of long.py's loop per timing, {len(pairs['diagnose'])} rounds per tree"
    )
    print(
        f"{'tree':9s} | {'bare us/step':>12s} {'diag us/step':>12s} {'extra us':>9s} | ratio: median    min"
    )
    for key, values in pairs.items():
        bare = statistics.median(b for b, _ in values) * 1e6
        diag = statistics.median(d for _, d in values) * 1e6
        ratios = [d / b for b, d in values]
        print(
            f"{key:9s} | {bare:12.1f} {diag:12.1f} {diag - bare:9.1f} |"
            f"        {statistics.median(ratios):6.3f} {min(ratios):6.3f}"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after)")


if __name__ == "__main__":
    main()
