"""Lab responsiveness while a lesson trains: key-to-screen latency, redraw cost, throughput.

Three measurements, printed side by side:

1. **Headless**: the lesson trains in a child process (`Run(isolate=True)`) with no UI;
   steps/s from the run's own clock (`RunEnded.elapsed_s`, which starts after torch
   is imported).
2. **Lab in a real terminal**: the `dllab` binary runs in a pseudo-terminal (80x24, real
   Linux driver, `--fps` as given). The script opens the lesson, starts the run and,
   while it trains, presses `c` (next chart) every 0.4 s and `l` (language) now and
   then; latency is the time from writing the key to the pty until the expected text
   (the next chart's title, or the new tab label) appears in the app's output. It
   also reports the output byte rate (what an SSH link would carry) and the run's
   steps/s from its record.
   Throughput is measured in runs where nobody presses keys (the learner watching),
   interleaved with the headless runs; latency in one more run with keys pressed.
3. **Redraw cost**: the lab in-process (headless Textual), timing each redraw tick
   (data → plotext) and each chart render (plotext build → Text) during a run.

Usage: python benchmarks/tui_latency.py [--lesson vanishing-gradients] [--steps 600]
       [--fps 4] [--reps 2]
Targets: latency < 100 ms, throughput ratio (lab / headless) >= 0.9.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import pty
import re
import shutil
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1bP.*?\x1b\\")


def _steps_done(home: Path) -> int:
    """Steps all arms took in the (one) recorded run: distinct (arm, step) pairs."""
    pairs: set[tuple[str, int]] = set()
    for path in (home / "runs").glob("*/metrics.jsonl"):
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError, KeyError):
                point = json.loads(line)
                pairs.add((point["arm"], int(point["step"])))
    return len(pairs)


# -- 1. headless ---------------------------------------------------------------
def headless(lesson_id: str, steps: int) -> float:
    """Steps/s (all arms) of one run in a child process with no UI."""
    from dllab.curriculum.loader import load_course
    from dllab.engine import Run, default_config

    lesson = load_course().lesson(lesson_id)
    config = default_config(lesson)
    config.steps = steps
    config.device = "cpu"
    run = Run(lesson, config, isolate=True).start()
    result = run.wait(600)
    assert result is not None and result.status.value == "completed", result
    return steps * len(config.arms) / result.elapsed_s


# -- 2. the lab in a pseudo-terminal -------------------------------------------
class PtyApp:
    """The real `dllab` binary in an 80x24 pty; its output is collected with timestamps."""

    def __init__(
        self, args: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24)
    ) -> None:
        self.chunks: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        pid, fd = pty.fork()
        if pid == 0:  # the child: set the terminal size, become dllab
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
            os.execvpe(args[0], args, env)
        self.pid, self.fd = pid, fd
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.chunks.append((time.perf_counter(), data.decode("utf-8", "replace")))

    def mark(self) -> int:
        with self.lock:
            return len(self.chunks)

    def recent_text(self, chunks: int = 40) -> str:
        """Plain text of the last few chunks (cheap: the benchmark must not steal the CPU)."""
        with self.lock:
            tail = self.chunks[-chunks:]
        return _ANSI.sub("", "".join(c for _, c in tail))

    def wait_for(
        self, needle: str, since: int, timeout: float = 30.0, poll: float = 0.002
    ) -> float:
        """Wait until `needle` appears in the output after chunk `since`; its arrival time.

        Only new chunks are scanned (with a little overlap), so waiting stays cheap.
        """
        deadline = time.perf_counter() + timeout
        scanned = since
        while time.perf_counter() < deadline:
            with self.lock:
                end = len(self.chunks)
                window = self.chunks[max(since, scanned - 3) : end]
            acc = ""
            for t, c in window:
                acc += c
                if needle in _ANSI.sub("", acc[-4000:]):
                    return t
            scanned = end
            time.sleep(poll)
        raise TimeoutError(
            f"{needle!r} did not appear; output ended with:\n{self.recent_text()[-1500:]}"
        )

    def send(self, keys: str) -> float:
        t = time.perf_counter()
        os.write(self.fd, keys.encode())
        return t

    def bytes_between(self, t0: float, t1: float) -> int:
        with self.lock:
            return sum(len(c.encode()) for t, c in self.chunks if t0 <= t <= t1)

    def cpu_s(self) -> float:
        """CPU seconds (user + system) used so far by the lab's process."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, 15)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def lab_in_pty(
    lesson_id: str, steps: int, fps: float, keys: bool = True, samples: int = 60
) -> dict[str, Any]:
    """Latencies (ms, if `keys`), output rate, CPU, startup and steps/s of one run in the real lab."""
    from dllab.curriculum.loader import load_course
    from dllab.curriculum.model import pick

    lesson = load_course().lesson(lesson_id)
    titles = [pick(c.title, "en")[:10] for c in lesson.charts]
    home = Path(tempfile.mkdtemp(prefix="dllab-bench-"))
    env = {**os.environ, "DLLAB_HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    env.pop("SSH_CONNECTION", None)
    exe = shutil.which("dllab") or str(Path(sys.executable).with_name("dllab"))
    t_spawn = time.perf_counter()
    app = PtyApp([exe, "--fps", str(fps), "--lang", "en", "--device", "cpu"], env)
    try:
        first_paint = app.wait_for(pick(lesson.title, "en")[:12], 0) - t_spawn
        m = app.mark()
        app.send("/")
        time.sleep(0.2)
        app.send(lesson_id)
        time.sleep(0.2)
        app.send("\r")
        app.wait_for("press r to run", m)
        time.sleep(0.5)
        if steps != lesson.steps:
            # steps: k focuses the first knob (steps); type over it, leave the input, run
            app.send("k")
            time.sleep(0.3)
            app.send(str(steps))
            time.sleep(0.2)
            app.send("\x1b")
            time.sleep(0.6)
        idle: list[float] = []
        chart = 0
        for _ in range(12 if keys else 0):  # baseline: the same key with nothing training
            chart = (chart + 1) % len(titles)
            before = app.mark()
            t0 = app.send("c")
            with contextlib.suppress(TimeoutError):
                idle.append((app.wait_for(titles[chart], before, 5) - t0) * 1000)
            time.sleep(0.3)
        m = app.mark()
        app.send("r")
        t_run = app.wait_for("steps/s", m, 60)  # the status line once steps arrive
        cpu0 = app.cpu_s()
        latencies: dict[str, list[float]] = {"c (next chart)": [], "l (language)": []}
        lang, presses = "en", 0
        while True:
            if any((home / "runs").glob("*/result.json")):  # the run's record says it ended
                break
            if keys and sum(len(v) for v in latencies.values()) >= samples:
                app.send("s")  # enough samples: stop the run (its record says when it ended)
                break
            if not keys:
                time.sleep(0.25)
                continue
            presses += 1
            before = app.mark()
            if presses % 4 == 0:
                lang = "zh" if lang == "en" else "en"
                t0 = app.send("l")
                needle = "课文" if lang == "zh" else "Lesson"
                key = "l (language)"
            else:
                chart = (chart + 1) % len(titles)
                t0 = app.send("c")
                needle = (
                    titles[chart] if lang == "en" else pick(lesson.charts[chart].title, "zh")[:4]
                )
                key = "c (next chart)"
            try:
                latencies[key].append((app.wait_for(needle, before, 5) - t0) * 1000)
            except TimeoutError:
                latencies[key].append(float("nan"))
            time.sleep(0.4)
        t_end = time.perf_counter()
        ui_cpu = (app.cpu_s() - cpu0) / max(1e-9, t_end - t_run)
        rate = app.bytes_between(t_run, t_end) / max(1e-9, t_end - t_run)
        deadline = time.perf_counter() + 10
        while not any((home / "runs").glob("*/result.json")) and time.perf_counter() < deadline:
            time.sleep(0.1)
        results = [json.loads(p.read_text()) for p in (home / "runs").glob("*/result.json")]
        assert results, "the lab recorded no run"
        app.send("q")
        time.sleep(0.5)
        return {
            "first_paint_s": first_paint,
            "latencies": latencies,
            "idle": idle,
            "bytes_per_s": rate,
            "ui_cpu": ui_cpu,
            "steps_per_s": _steps_done(home) / max(1e-9, float(results[0]["elapsed_s"])),
        }
    finally:
        app.close()
        shutil.rmtree(home, ignore_errors=True)


# -- 3. redraw cost in-process --------------------------------------------------
async def _redraw_cost(lesson_id: str, steps: int, fps: float) -> dict[str, list[float]]:
    from dllab.tui.app import make_app
    from dllab.tui.screens.lesson import LessonScreen
    from dllab.tui.widgets.chart import MetricChart

    app = make_app(lang="en", fps=fps, device="cpu")
    ticks: list[float] = []
    renders: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson(lesson_id)
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        original = screen.redraw

        def timed(force: bool = False) -> None:
            t0 = time.perf_counter()
            before = screen.drawn_version
            original(force)
            if screen.drawn_version != before:
                ticks.append((time.perf_counter() - t0) * 1000)

        screen.redraw = timed  # type: ignore[method-assign]
        screen.query_one("#knob-_steps").value = str(steps)  # type: ignore[attr-defined]
        await pilot.press("r")
        seen: dict[int, int] = {}
        while screen.run is None or screen.run.running:
            await pilot.pause(0.05)
            for chart in screen.query(MetricChart):
                if chart.renders != seen.get(id(chart), 0):
                    seen[id(chart)] = chart.renders
                    renders.append(chart.last_render_ms)
    return {"tick_ms": ticks, "render_ms": renders}


def _fmt(values: list[float]) -> str:
    finite = sorted(v for v in values if v == v)
    if not finite:
        return "no samples"
    p95 = finite[min(len(finite) - 1, int(0.95 * len(finite)))]
    missed = len(values) - len(finite)
    return (
        f"median {statistics.median(finite):6.1f}  p95 {p95:6.1f}  max {finite[-1]:6.1f}  (n={len(finite)}"
        + (f", {missed} timed out" if missed else "")
        + ")"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", default="vanishing-gradients")
    parser.add_argument(
        "--steps", type=int, default=600, help="steps per arm (long enough to amortise set-up)"
    )
    parser.add_argument("--fps", type=float, default=4.0)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DLLAB_HOME", tempfile.mkdtemp(prefix="dllab-bench-home-"))

    print(
        f"lesson {args.lesson}, {args.steps} steps per arm, --fps {args.fps}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    head: list[float] = []
    labs: list[dict[str, Any]] = []
    for rep in range(args.reps):  # interleaved, so a change in machine load hits both alike
        head.append(headless(args.lesson, args.steps))
        labs.append(lab_in_pty(args.lesson, args.steps, args.fps, keys=False))
        print(
            f"  rep {rep + 1}: headless {head[-1]:.0f} steps/s, lab {labs[-1]['steps_per_s']:.0f} steps/s"
        )
    keyed = lab_in_pty(args.lesson, 10 * args.steps, args.fps, keys=True)  # stopped at 60 samples
    print(f"  latency run: lab {keyed['steps_per_s']:.0f} steps/s while keys were pressed")
    costs = asyncio.run(_redraw_cost(args.lesson, args.steps, args.fps))

    lab_rate = statistics.median(r["steps_per_s"] for r in labs)
    head_rate = statistics.median(head)
    print()
    print(f"{'':28}{'headless':>12}{'lab (UI attached)':>20}")
    print(f"{'training steps/s (all arms)':28}{head_rate:12.0f}{lab_rate:20.0f}")
    print(f"{'throughput ratio lab/headless':32}{lab_rate / head_rate:28.2f}   (target >= 0.9)")
    print()
    print(f"key-to-screen c, nothing training ms: {_fmt(keyed['idle'])}")
    for key, samples in keyed["latencies"].items():
        print(f"key-to-screen {key:18} ms: {_fmt(samples)}   (target < 100)")
    print(f"redraw tick (data -> plotext)    ms: {_fmt(costs['tick_ms'])}")
    print(f"chart render (plotext build)     ms: {_fmt(costs['render_ms'])}")
    print(
        f"first paint of the lab            s: {statistics.median(r['first_paint_s'] for r in labs):.2f}   (target < 1)"
    )
    print(
        f"lab process CPU while training    %: {100 * statistics.median(r['ui_cpu'] for r in labs):.0f}   (of one core)"
    )
    print(
        f"terminal output while training KB/s: {statistics.median(r['bytes_per_s'] for r in labs) / 1024:.1f}"
    )


if __name__ == "__main__":
    main()
