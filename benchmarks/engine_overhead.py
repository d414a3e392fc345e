"""Engine overhead: a lesson run through the engine (JSON sink + run record) vs the same loop bare.

Both sides run in this one process, interleaved, so machine load hits them alike.
"Bare" drives the experiment generators directly (seeded the same way) and
throws the metric dicts away; "engine" runs `Run(...)` with a JSON-lines writer
into a null stream and the on-disk run record, i.e. everything `dllab run
--json` does. The figure is the median ratio engine/bare; target <= 1.05.

    python benchmarks/engine_overhead.py [--lesson vanishing-gradients] [--repeats 5] [--steps N]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import threading
import time

import torch

from dllab.curriculum.experiment import load_experiment
from dllab.curriculum.loader import load_course
from dllab.engine import Run, Subscriber, default_config
from dllab.engine.config import ArmConfig, arm_values
from dllab.engine.sinks import JsonLinesWriter


def bare(lesson, config) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The experiment's generators stepped round-robin in a worker thread, as the engine does.

    (A worker thread on both sides: torch's intra-op pool behaves differently
    when driven from the main thread on a loaded machine, which would bias the ratio.)
    """
    out: list[tuple[float, float]] = []
    worker = threading.Thread(target=lambda: out.append(_bare(lesson, config)))
    worker.start()
    worker.join()
    return out[0]


def _bare(lesson, config) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    experiment = load_experiment(lesson)
    device = torch.device("cpu")
    t0 = time.perf_counter()
    c0 = time.thread_time()
    gens = []
    for arm in config.arms:
        torch.manual_seed(config.seed)
        cfg = ArmConfig(
            arm_values(lesson, config, arm),
            arm=arm,
            steps=config.steps,
            seed=config.seed,
            device=device,
        )
        gens.append(experiment(cfg))
    for _ in range(config.steps):  # the same round-robin order as the engine
        for gen in gens:
            next(gen, None)
    return time.perf_counter() - t0, time.thread_time() - c0


class _CpuClock(Subscriber):
    """Reads the training thread's CPU time at run start and end (in-process runs call hooks on that thread)."""

    def on_run_start(self, event):  # type: ignore[no-untyped-def]
        self.t0 = time.thread_time()

    def on_run_end(self, event):  # type: ignore[no-untyped-def]
        self.cpu = time.thread_time() - self.t0


def engine(lesson, config) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    clock = _CpuClock()
    sink = JsonLinesWriter(io.StringIO())
    t0 = time.perf_counter()
    run = Run(lesson, config, [clock, sink]).start()
    run.wait()
    return time.perf_counter() - t0, clock.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="vanishing-gradients")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (1 keeps shared machines comparable)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("DLLAB_HOME", tempfile.mkdtemp(prefix="dllab-bench-"))
    lesson = load_course().lesson(args.lesson)
    config = default_config(lesson)
    config.device = "cpu"
    if args.steps:
        config.steps = args.steps
    bare(lesson, config)  # warm-up: data cache, first-call costs
    walls, cpus = [], []
    rows = []
    for _ in range(args.repeats):
        b_wall, b_cpu = bare(lesson, config)
        e_wall, e_cpu = engine(lesson, config)
        rows.append((b_wall, e_wall, b_cpu, e_cpu))
        walls.append(e_wall / b_wall)
        cpus.append(e_cpu / b_cpu)
    print(
        f"lesson {lesson.id}: {len(config.arms)} arms x {config.steps} steps, {args.repeats} interleaved repeats, torch threads {torch.get_num_threads()}"
    )
    print("  repeat   bare wall  engine wall   bare cpu  engine cpu")
    for i, (bw, ew, bc, ec) in enumerate(rows, 1):
        print(f"  {i:>6} {bw:>10.3f} {ew:>12.3f} {bc:>10.3f} {ec:>11.3f}")
    print(
        f"  ratio engine/bare, wall time:          median {statistics.median(walls):.3f}  (min {min(walls):.3f})"
    )
    print(
        f"  ratio engine/bare, training-thread CPU: median {statistics.median(cpus):.3f}  (min {min(cpus):.3f})  target <= 1.05"
    )


if __name__ == "__main__":
    main()
