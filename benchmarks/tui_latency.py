"""Lab responsiveness while a lesson trains: key-to-screen latency, `r` to the first point,
first paint, UI-thread redraw and chart build cost, throughput, terminal output.

Measured side by side in one run, so that the machine's load hits both alike:

1. **Headless vs the lab**: the lesson trains in a child process (`Run(isolate=True)`)
   with no UI, and in the real lab in an 80x24 pseudo-terminal (nobody pressing keys),
   interleaved; steps/s from each run's own clock. Also the lab's CPU and its terminal
   output while training (what an SSH link carries), and with nothing happening.
2. **Before vs after** (`--before REV`, a git revision of this repository, extracted to
   a temporary folder and run from there): the real `python -m dllab` in a pty, per
   version, interleaved:
   * first paint: process start to the course list on screen;
   * `r` to the first point: the lesson opened, `--read-s` seconds of reading, `r`; the
     time until the status line counts a first step, and until the first chart shows
     it (its legend names the arms once it has data: the picture and the legend are
     drawn in the same refresh, after the chart's build in a thread); then to the
     first step of a second run after the first one ended (its step 0 draws the same
     picture: the same seed);
   * key to screen while training: `c` (next chart: its title appears) every 0.4 s and
     `l` (language: the tab label changes) now and then, from writing the key to the
     pty to the expected text in the app's output.
   The warm child's own start-up (lesson opened to ready) is timed too: on a busy box
   it can take longer than `--read-s`, and then `r` waits for the rest of it.
3. **Redraw cost**: the lab in-process (headless Textual) during a run: the UI thread's
   share of each redraw tick that had new data (claim, status, handing the charts'
   snapshots to their build threads: what holds keys back) and each chart build
   (plotext -> text, in a thread while a run trains).
4. **Bytes per language switch**: what one `l` sends to the terminal on the course list
   and on the lesson screen (a whole-screen repaint at 80x24 is ~15 KB).

Usage: python benchmarks/tui_latency.py [--before REV] [--lesson vanishing-gradients]
       [--steps 600] [--fps 4] [--reps 2] [--read-s 10]
Targets: key to screen p95 < 100 ms, r to first point < 0.5 s, first paint < 1 s,
throughput ratio (lab / headless) >= 0.95, idle output 0 B/s.
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
import subprocess
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


def warm_ready(lesson_id: str) -> float:
    """Seconds from a lesson opening to its warm child being ready (what `--read-s` must cover)."""
    from dllab.curriculum.loader import load_course
    from dllab.engine.warm import WarmPool

    lesson = load_course().lesson(lesson_id)
    pool = WarmPool()
    t0 = time.perf_counter()
    pool.warm(lesson, "cpu")
    child = pool.take()
    assert child is not None and child.stdout is not None
    json.loads(child.stdout.readline())  # {"type": "ready"}: torch, experiment, one step done
    ready = time.perf_counter() - t0
    assert child.stdin is not None
    child.stdin.close()
    child.wait(30)
    return ready


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
        self, needle: str | re.Pattern[str], since: int, timeout: float = 30.0, poll: float = 0.002
    ) -> float:
        """Wait until `needle` (text or a pattern) appears in the output after chunk `since`;
        its arrival time.

        Only new chunks are scanned (with a little overlap), so waiting stays cheap.
        """
        deadline = time.perf_counter() + timeout
        scanned = since
        while time.perf_counter() < deadline:
            with self.lock:
                end = len(self.chunks)
                window = self.chunks[max(since, scanned - 3) : end]
            tail = ""
            for t, c in window:
                # the whole new chunk (a colour frame is often over 10 KB, and what it
                # draws first was cut off when only the last 4000 characters were read),
                # after the end of the one before (a text split between two reads)
                raw = tail + c
                plain = _ANSI.sub("", raw).replace("\xa0", " ")  # the legend's no-break spaces
                if (needle in plain) if isinstance(needle, str) else needle.search(plain):
                    return t
                tail = raw[-4000:]
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


ROOT = Path(__file__).resolve().parent.parent
STEP_COUNTED = re.compile(r"running · [1-9][0-9]*/")
"""The status line once a run's first step arrived (drawn in the refresh that draws it)."""


def start_lab(code: Path, fps: float) -> tuple[PtyApp, Path, float]:
    """`python -m dllab` from the checkout `code`, in a fresh data dir; (app, data dir, t0)."""
    home = Path(tempfile.mkdtemp(prefix="dllab-bench-"))
    env = {
        **os.environ,
        "DLLAB_HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(code),
    }
    for name in ("SSH_CONNECTION", "DLLAB_LESSONS", "DLLAB_PREWARM"):
        env.pop(name, None)
    args = [sys.executable, "-m", "dllab", "--fps", str(fps), "--lang", "en", "--device", "cpu"]
    t_spawn = time.perf_counter()
    return PtyApp(args, env), home, t_spawn


def open_lesson(app: PtyApp, lesson_id: str) -> None:
    """`/`, the lesson's id, Enter; wait for the lesson screen."""
    m = app.mark()
    app.send("/")
    time.sleep(0.2)
    app.send(lesson_id)
    time.sleep(0.2)
    app.send("\r")
    app.wait_for("press r to run", m)


def quit_lab(app: PtyApp, home: Path) -> None:
    app.send("s")
    time.sleep(0.3)
    app.send("q")
    time.sleep(0.3)
    app.send("y")  # if it asked: yes, stop and quit
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(app.pid, os.WNOHANG)[0]:
                break
        time.sleep(0.05)
    app.close()
    shutil.rmtree(home, ignore_errors=True)


def first_points(code: Path, lesson_id: str, fps: float, read_s: float) -> dict[str, float]:
    """First paint, then `r` to the first step of a first and a second run (seconds)."""
    from dllab.curriculum.loader import load_course
    from dllab.curriculum.model import pick

    lesson = load_course(code / "lessons").lesson(lesson_id)
    # the first chart's legend names the arms once the chart has data (drawn with its picture)
    legend = pick(next(iter(lesson.arms.values())).label, "en")[:12]
    app, home, t_spawn = start_lab(code, fps)
    times: dict[str, float] = {}
    try:
        times["first_paint_s"] = app.wait_for(pick(lesson.title, "en")[:12], 0) - t_spawn
        open_lesson(app, lesson_id)
        for run in ("first", "second"):
            time.sleep(read_s)  # the learner reads; a warm child gets ready meanwhile
            m = app.mark()
            t0 = app.send("r")
            times[f"r_{run}_s"] = app.wait_for(STEP_COUNTED, m, 60) - t0
            if run == "first":  # the next run's step 0 draws the same picture (same seed)
                times["r_first_chart_s"] = app.wait_for(legend, m, 60) - t0
            # let the run end by itself: on an idle machine it completes before an `s`
            # sent a second in would land, and "run stopped" then never appears
            app.wait_for("run completed", m, 300)
    finally:
        quit_lab(app, home)
    return times


def switch_bytes(app: PtyApp, settle_s: float = 1.5) -> list[int]:
    """Bytes one `l` sends to the terminal (to Chinese, then back), nothing training.

    The window includes the charts' rebuild on the next tick (their legends are worded).
    """
    sent = []
    for _ in range(2):
        t0 = app.send("l")
        time.sleep(settle_s)
        sent.append(app.bytes_between(t0, time.perf_counter()))
    return sent


def lab_in_pty(
    lesson_id: str,
    steps: int,
    fps: float,
    keys: bool = True,
    samples: int = 60,
    code: Path = ROOT,
) -> dict[str, Any]:
    """Latencies (ms, if `keys`), output rate, CPU, startup and steps/s of one run in the real lab."""
    from dllab.curriculum.loader import load_course
    from dllab.curriculum.model import pick

    lesson = load_course(code / "lessons").lesson(lesson_id)
    titles = [pick(c.title, "en")[:10] for c in lesson.charts]
    app, home, t_spawn = start_lab(code, fps)
    try:
        first_paint = app.wait_for(pick(lesson.title, "en")[:12], 0) - t_spawn
        lang_bytes: dict[str, list[int]] = {"course list": [], "lesson": []}
        if keys:
            lang_bytes["course list"] = switch_bytes(app)
        open_lesson(app, lesson_id)
        time.sleep(0.5)
        t_idle = time.perf_counter()
        time.sleep(3.0)  # nothing pressed, nothing training: what the terminal is sent
        idle_rate = app.bytes_between(t_idle, time.perf_counter()) / 3.0
        if keys:
            lang_bytes["lesson"] = switch_bytes(app)
        if steps != lesson.steps:
            # steps: k focuses the first knob (steps); type over it, leave the input, run
            m = app.mark()
            app.send("k")
            app.wait_for("esc Back", m, 10)  # the footer of a focused field
            time.sleep(0.3)
            app.send(str(steps))
            time.sleep(0.3)
            m = app.mark()
            app.send("\x1b")
            app.wait_for("r Run", m, 10)  # the lesson's footer again
            time.sleep(0.5)
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
            "lang_bytes": lang_bytes,
            "latencies": latencies,
            "idle": idle,
            "bytes_per_s": rate,
            "idle_bytes_per_s": idle_rate,
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


def _fmt(values: list[float], digits: int = 1) -> str:
    finite = sorted(v for v in values if v == v)
    if not finite:
        return "no samples"
    p95 = finite[min(len(finite) - 1, int(0.95 * len(finite)))]
    missed = len(values) - len(finite)
    d = digits
    return (
        f"median {statistics.median(finite):6.{d}f}  p95 {p95:6.{d}f}  max {finite[-1]:6.{d}f}  (n={len(finite)}"
        + (f", {missed} timed out" if missed else "")
        + ")"
    )


def checkout(rev: str) -> Path:
    """This repository at `rev`, extracted to a temporary folder (lessons included)."""
    folder = Path(tempfile.mkdtemp(prefix="dllab-bench-before-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def compile_code(code: Path) -> None:
    """Byte-compile a checkout, as an install does (PYTHONDONTWRITEBYTECODE would make every
    start compile it from source)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "dllab")], check=True)


def _load() -> str:
    return "load " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", default="vanishing-gradients")
    parser.add_argument(
        "--steps", type=int, default=600, help="steps per arm (long enough to amortise set-up)"
    )
    parser.add_argument("--fps", type=float, default=4.0)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument(
        "--before", metavar="REV", help="also measure this git revision, side by side"
    )
    parser.add_argument(
        "--read-s", type=float, default=10.0, help="seconds between opening a lesson and r"
    )
    args = parser.parse_args()
    os.environ.setdefault("DLLAB_HOME", tempfile.mkdtemp(prefix="dllab-bench-home-"))
    versions = {"after": ROOT}
    if args.before:
        versions = {"before": checkout(args.before), "after": ROOT}
    for code in versions.values():
        compile_code(code)

    print(
        f"lesson {args.lesson}, {args.steps} steps per arm, --fps {args.fps}, {os.cpu_count()} CPUs, "
        f"{_load()} (1, 5, 15 min)"
        + (f"; before = {args.before}, after = this checkout" if args.before else "")
    )
    head: list[float] = []
    labs: list[dict[str, Any]] = []
    for rep in range(args.reps):  # interleaved, so a change in machine load hits both alike
        head.append(headless(args.lesson, args.steps))
        labs.append(lab_in_pty(args.lesson, args.steps, args.fps, keys=False))
        print(
            f"  rep {rep + 1}: headless {head[-1]:.0f} steps/s, lab {labs[-1]['steps_per_s']:.0f} steps/s, {_load()}"
        )
    ready = [warm_ready(args.lesson) for _ in range(args.reps)]
    print(f"  warm child ready {statistics.median(ready):.1f} s after the lesson opened, {_load()}")
    starts: dict[str, list[dict[str, float]]] = {name: [] for name in versions}
    for rep in range(args.reps):
        for name, code in versions.items():
            starts[name].append(first_points(code, args.lesson, args.fps, args.read_s))
        print(f"  r to first point, rep {rep + 1}: {_load()}")
    keyed: dict[str, dict[str, Any]] = {}
    for name, code in versions.items():  # stopped at 60 samples each
        keyed[name] = lab_in_pty(args.lesson, 10 * args.steps, args.fps, keys=True, code=code)
        print(f"  latency run ({name}): lab {keyed[name]['steps_per_s']:.0f} steps/s, {_load()}")
    costs = asyncio.run(_redraw_cost(args.lesson, args.steps, args.fps))

    lab_rate = statistics.median(r["steps_per_s"] for r in labs)
    head_rate = statistics.median(head)
    print()
    print(f"{'':28}{'headless':>12}{'lab (UI attached)':>20}")
    print(f"{'training steps/s (all arms)':28}{head_rate:12.0f}{lab_rate:20.0f}")
    print(f"{'throughput ratio lab/headless':32}{lab_rate / head_rate:28.2f}   (target >= 0.95)")
    print(
        f"lab process CPU while training    %: {100 * statistics.median(r['ui_cpu'] for r in labs):.0f}   (of one core)"
    )
    print(
        f"terminal output while training KB/s: {statistics.median(r['bytes_per_s'] for r in labs) / 1024:.1f}   (80x24)"
    )
    print(
        f"terminal output, idle lesson     B/s: {statistics.median(r['idle_bytes_per_s'] for r in labs):.0f}   (target 0)"
    )
    print(
        f"warm child ready after opening   s: {_fmt(ready, 2)}   (r after --read-s {args.read_s:g} s)"
    )
    print(
        f"redraw with new data, UI thread  ms: {_fmt(costs['tick_ms'])}   (claim, chart hand-off)"
    )
    print(f"chart build, in its thread       ms: {_fmt(costs['render_ms'])}   (plotext -> text)")
    for name in versions:
        print()
        print(f"-- {name}" + (f" ({args.before})" if name == "before" else " (this checkout)"))
        runs = starts[name]
        print(
            f"first paint of the lab            s: {_fmt([r['first_paint_s'] for r in [*runs, keyed[name]]], 2)}   (target < 1)"
        )
        print(f"r to a first step (status line)   s: {_fmt([r['r_first_s'] for r in runs], 2)}")
        print(
            f"r to first point on the chart     s: {_fmt([r['r_first_chart_s'] for r in runs], 2)}   (target < 0.5)"
        )
        print(f"r to a first step, next run       s: {_fmt([r['r_second_s'] for r in runs], 2)}")
        print(f"key-to-screen c, nothing training ms: {_fmt(keyed[name]['idle'])}")
        for key, samples in keyed[name]["latencies"].items():
            print(f"key-to-screen {key:18} ms: {_fmt(samples)}   (target p95 < 100)")
        for where, sent in keyed[name]["lang_bytes"].items():
            print(
                f"bytes one l sends, {where:12}  KB: "
                + " / ".join(f"{b / 1024:.1f}" for b in sent)
                + "   (to 中文 / back; a full repaint ~15)"
            )
    print()
    print(f"at the end: {_load()}")


if __name__ == "__main__":
    main()
