"""Visdom mirror overhead: a lesson run with the mirror on vs the same run without it.

Three variants run side by side in this one process, interleaved (the order
rotates every repeat), so machine load hits them alike:

* off  — `Run(...)` with no mirror (the run record is written in every variant);
* up   — plus `VisdomMirror` sending to a real Visdom server (started here, on
         127.0.0.1 and a free port, through `dllab.mirrors._server`);
* down — plus `VisdomMirror` pointed at a port where nothing listens.

Throughput is arm-steps per second of training, from the run's start event to
its last metric: wall time, and CPU time of the training thread (steadier on
a shared machine). The wait at run end (the mirror's last batch and `/save`,
bounded) is printed on its own. The figure is the median over repeats of
throughput(on) / throughput(off); target >= 0.95.

    python benchmarks/visdom_overhead.py [--lesson vanishing-gradients] [--repeats 5] [--steps N]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dllab.curriculum.loader import load_course
from dllab.engine import Run, Subscriber, default_config
from dllab.mirrors import VisdomMirror
from dllab.mirrors._client import VisdomClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dllab.mirrors._server",
            "-port",
            str(port),
            "-bind_local",
            "-env_path",
            f"{env_path}{os.sep}",
            "-logging_level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    client = VisdomClient(url, timeout_s=2)
    deadline = time.monotonic() + 120
    while not client.alive():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the Visdom server did not start")
        time.sleep(0.2)
    return proc, url


class Clock(Subscriber):
    """Wall and training-thread CPU time from run start to the last metric (hooks run on it)."""

    def on_run_start(self, event):  # type: ignore[no-untyped-def]
        self.wall0 = self.wall1 = time.perf_counter()
        self.cpu0 = self.cpu1 = time.thread_time()

    def on_metrics(self, points):  # type: ignore[no-untyped-def]
        self.wall1 = time.perf_counter()
        self.cpu1 = time.thread_time()


class TimedMirror(VisdomMirror):
    """The mirror, with the time its hook takes on the training thread added up."""

    hook_s = 0.0

    def on_metrics(self, points):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        super().on_metrics(points)
        self.hook_s += time.perf_counter() - t0


def timed(lesson, config, url: str | None, notices: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Training wall and training-thread CPU, the run-end wait, and the mirror's own costs."""
    clock = Clock()
    subscribers: list[Subscriber] = [clock]
    mirror = TimedMirror(url, notify=notices.append) if url else None
    if mirror:
        subscribers.append(mirror)
    run = Run(lesson, config, subscribers).start()
    result = run.wait()
    end = time.perf_counter()
    assert result is not None and result.status.value == "completed", result
    if mirror:
        mirror.wait(30)
    return {
        "wall": clock.wall1 - clock.wall0,
        "cpu": clock.cpu1 - clock.cpu0,
        "end": end - clock.wall1,
        "hook": mirror.hook_s if mirror else 0.0,
        "thread": mirror.thread_cpu_s if mirror else 0.0,
    }


def process_cpu(pid: int) -> float:
    """utime + stime of a process in seconds (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="vanishing-gradients")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    home = Path(os.environ.setdefault("DLLAB_HOME", tempfile.mkdtemp(prefix="dllab-bench-")))
    lesson = load_course().lesson(args.lesson)
    config = default_config(lesson)
    config.device = "cpu"
    if args.steps:
        config.steps = args.steps
    server, up_url = start_server(home / "visdom")
    down_url = f"http://127.0.0.1:{free_port()}"
    variants = {"off": None, "up": up_url, "down": down_url}
    notices: list[str] = []
    try:
        timed(lesson, config, None, notices)  # warm-up: data cache, first-call costs
        names = list(variants)
        stats: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        server_cpu = 0.0
        for i in range(args.repeats):
            for name in names[i % 3 :] + names[: i % 3]:
                before = process_cpu(server.pid)
                stats[name].append(timed(lesson, config, variants[name], notices))
                if name == "up":
                    server_cpu += process_cpu(server.pid) - before
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    print(
        f"lesson {lesson.id}: {len(config.arms)} arms x {config.steps} steps, "
        f"{args.repeats} interleaved repeats, torch threads {torch.get_num_threads()}"
    )
    print(
        "  repeat   off wall    up wall  down wall    off cpu     up cpu   down cpu  (training s)"
    )
    walls = {n: [r["wall"] for r in stats[n]] for n in names}
    cpus = {n: [r["cpu"] for r in stats[n]] for n in names}
    for i in range(args.repeats):
        row = [walls[n][i] for n in names] + [cpus[n][i] for n in names]
        print(f"  {i + 1:>6} " + " ".join(f"{v:>10.3f}" for v in row))
    for label, table in (("wall time", walls), ("training-thread CPU", cpus)):
        for name in ("up", "down"):
            ratios = [off / on for off, on in zip(table["off"], table[name], strict=True)]
            print(
                f"  throughput ratio mirror {name:>4} / off ({label}): median "
                f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
                "  target >= 0.95"
            )
    print(
        "  run end (last metric -> run.wait() returns, median s): "
        + ", ".join(f"{n} {statistics.median(r['end'] for r in stats[n]):.3f}" for n in names)
    )
    train_cpu = sum(cpus["up"])
    hook = sum(r["hook"] for r in stats["up"])
    thread = sum(r["thread"] for r in stats["up"])
    print(
        f"  mirror up, totals over {args.repeats} runs: training-thread CPU {train_cpu:.2f} s; "
        f"mirror hook on the training thread {hook * 1000:.1f} ms; mirror thread CPU "
        f"{thread * 1000:.0f} ms; Visdom server CPU {server_cpu * 1000:.0f} ms"
    )
    print(
        f"  bound on the mirror's cost if it shared the training core: "
        f"{(hook + thread + server_cpu) / train_cpu:.1%} (hook alone {hook / train_cpu:.2%})"
    )
    down_notices = [n for n in notices if "not reachable" in n]
    print(f"  notices: {len(down_notices)} 'not reachable' (one per server-down run)")


if __name__ == "__main__":
    main()
