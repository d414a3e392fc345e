"""Diagnose a distributed script: every rank under `torch.distributed.run`, one merged report.

Parent side (no torch here). The script is started by PyTorch's own launcher,
`python -m torch.distributed.run` (the elastic agent), with the diagnose child
(`dllab.diagnose.child`) as the module every worker runs, so each rank is
instrumented as a single process is. Each rank writes its own observations and
log (`_rank.py`); the single-process rules run on each rank (`api.build_report`)
and their findings are merged: one finding per check and line, saying which
ranks show it. The cross-rank rules (`rules.ALL_RANK_RULES`) then see every
rank's evidence at once.

The elastic agent starts each worker in a session of its own, so the parent ends
the agent's process group and every worker's (from the pids they record) at the
end, whatever happened: no process is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dllab.diagnose.api import DEFAULT_MAX_STEPS, DEFAULT_TIME_LIMIT, build_report, read_script
from dllab.diagnose.findings import Finding
from dllab.diagnose.observations import Observations, StoodAt
from dllab.diagnose.report import RankStatus, Report
from dllab.diagnose.rules import ALL_RANK_RULES, Context
from dllab.diagnose.runner import (
    INTERRUPT_GRACE_SECONDS,
    POLL_SECONDS,
    ChildConfig,
    Progress,
    RunResult,
    _child_env,
    _tail,
)
from dllab.diagnose.static import Source
from dllab.errors import ScriptLoadError

PEER_GRACE_SECONDS = 10.0
"""After one rank failed: how long the others get to notice (their collective fails) and report."""
LAUNCH_GRACE_SECONDS = 60.0
"""How long past --time-limit the parent waits before it kills the job (the launcher and N
interpreters importing torch take a while on a busy machine; each rank has its own watchdog)."""
REAP_SECONDS = 5.0
"""After killing the job: how long to wait for the ranks' processes to be gone."""
STALL_SECONDS = 5.0
"""A job whose steps stood still this long (and 3x its longest pause before) had stalled."""
TERM_GRACE_SECONDS = 3.0
"""After SIGTERM to a rank: how long it gets to write what it saw before it is killed."""
FAILED = ("script-error", "exit", "crashed")
"""Rank statuses that end a job: the first rank to reach one is its cause."""
CHART_CHECKS = ("vanishing-gradients", "exploding-gradients", "dead-relu")
"""Checks whose evidence is the per-layer charts (a rank showing one alone gets the charts)."""
_COLLECTIVE_ERROR = re.compile(
    r"connection (closed|reset)|broken pipe|timed? ?out|nccl|gloo|socket|peer|"
    r"process group|store|rendezvous",
    re.IGNORECASE,
)
_FAILURE = re.compile(r"rank\s*:\s*(\d+) \(local_rank: \d+\)\s*\n\s*exitcode\s*:\s*(-?\d+)")


@dataclass(frozen=True)
class Launch:
    """How `torch.distributed.run` is started: the arguments passed through to it."""

    nproc_per_node: int
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str | None = None
    master_port: int | None = None

    def torchrun_args(self) -> list[str]:
        """The launcher's own options (a free port on this machine for a one-node job)."""
        port = self.master_port
        if port is None and self.nnodes == 1:
            port = free_port()  # two jobs on one box must not meet on the default 29500
        args = [f"--nproc-per-node={self.nproc_per_node}", f"--nnodes={self.nnodes}"]
        args.append(f"--node-rank={self.node_rank}")
        if self.master_addr is not None:
            args.append(f"--master-addr={self.master_addr}")
        if port is not None:
            args.append(f"--master-port={port}")
        return args

    @property
    def local_ranks(self) -> list[int]:
        """The global ranks that run on this node."""
        first = self.node_rank * self.nproc_per_node
        return list(range(first, first + self.nproc_per_node))


def free_port() -> int:
    """A TCP port nobody listens on now (the launcher binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RankRun:
    """What came back from one rank."""

    rank: int
    observations: Observations = field(default_factory=lambda: Observations())
    exit_code: int | None = None
    """The worker's exit status as the launcher reported it (None: it did not report one)."""
    stopped: bool = False
    """dllab stopped it because another rank had failed."""
    log_tail: str = ""


@dataclass
class DistRunResult:
    """What came back from the launcher and its ranks."""

    ranks: list[RankRun] = field(default_factory=list)
    returncode: int | None = None
    killed: bool = False
    interrupted: bool = False
    launcher_tail: str = ""
    seconds: float = 0.0
    world_size: int = 0
    """Ranks in the whole job (this node runs `ranks`)."""
    stalled: bool = False
    """No rank took a step for a long while before the end (a hang, not a busy job at its limit)."""


def _read(path: Path) -> Observations:
    try:
        data: Observations = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Observations()
    return data


class _Job:
    """The launcher process and the files of its ranks."""

    def __init__(self, work: Path, launch: Launch) -> None:
        self.work = work
        self.launch = launch
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopped: set[int] = set()
        self._steps = 0
        self._last_change: float | None = None
        self._longest_gap = 0.0

    def note_steps(self, obs: dict[int, Observations], now: float) -> None:
        """Track when the job's step count last moved, and its longest pause before that."""
        steps = sum(int(o.get("steps", 0)) for o in obs.values())
        if steps != self._steps:
            if self._last_change is not None:  # the gap up to the first step is start-up
                self._longest_gap = max(self._longest_gap, now - self._last_change)
            self._steps, self._last_change = steps, now

    def stalled(self, now: float) -> bool:
        """Had the job stopped taking steps, for far longer than any pause of its own before?"""
        if self._last_change is None:
            return False
        return now - self._last_change > max(STALL_SECONDS, 3 * self._longest_gap)

    def obs_path(self, rank: int) -> Path:
        return self.work / f"observations.rank{rank}.json"

    def observations(self) -> dict[int, Observations]:
        return {r: _read(self.obs_path(r)) for r in self.launch.local_ranks}

    def pids(self) -> dict[int, int]:
        found = {}
        for r in self.launch.local_ranks:
            with contextlib.suppress(OSError, ValueError):
                found[r] = int((self.work / f"pid.rank{r}.txt").read_text(encoding="ascii"))
        return found

    def signal_ranks(self, sig: int, ranks: Sequence[int] | None = None) -> None:
        """Send `sig` to the process group of each rank (each is a session leader).

        All ranks (`ranks=None`) includes workers still starting, which have written
        no pid yet: the launcher's children.
        """
        pids = {pid for r, pid in self.pids().items() if ranks is None or r in ranks}
        if ranks is None and self.proc is not None:
            pids |= _children(self.proc.pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)

    def kill_all(self) -> None:
        """End the launcher's process group and every rank's, and wait until they are gone."""
        pids = set(self.pids().values())
        if self.proc is not None:
            pids |= _children(self.proc.pid)  # workers that have written no pid yet
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # a worker and its DataLoader workers
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            if self.proc.poll() is None:
                self.proc.wait()
        # The ranks are the launcher's children, not ours: once it is gone, init reaps them.
        until = time.monotonic() + REAP_SECONDS
        while any(_alive(pid) for pid in pids) and time.monotonic() < until:
            time.sleep(0.05)


def _children(parent: int) -> set[int]:
    """The processes whose parent is `parent` (Linux /proc; empty elsewhere)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Is `pid` a running process (not gone, not a zombie waiting to be reaped)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _ended(obs: Observations) -> bool:
    return "outcome" in obs


def _failed_at(obs: Observations) -> float | None:
    outcome = obs.get("outcome")
    if outcome is None or outcome.get("status") not in ("script-error", "exit"):
        return None
    return float(outcome.get("ended_at", 0.0))


def _progress(obs_by_rank: dict[int, Observations], seconds: float) -> Progress:
    """Rank 0's losses, and the steps of the slowest rank (the job moves at its pace)."""
    first = min(obs_by_rank) if obs_by_rank else 0
    base = Progress.of(obs_by_rank.get(first, Observations()), seconds)
    steps = [int(o.get("steps", 0)) for o in obs_by_rank.values() if o]
    return replace(base, steps=min(steps) if steps else 0)


def _supervise(
    job: _Job,
    deadline: float,
    started: float,
    on_progress: Callable[[Progress], None] | None,
) -> tuple[bool, bool]:
    """Wait for the launcher: (killed at the deadline, interrupted by Ctrl-C)."""
    assert job.proc is not None
    try:
        while True:
            try:
                job.proc.wait(timeout=POLL_SECONDS)
                return False, False
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now > deadline:
                return True, False
            obs = job.observations()
            job.note_steps(obs, now)
            if on_progress is not None:
                on_progress(_progress(obs, now - started))
            failures = [t for t in map(_failed_at, obs.values()) if t is not None]
            waiting = [r for r, o in obs.items() if not _ended(o)]
            if failures and waiting and time.time() - min(failures) > PEER_GRACE_SECONDS:
                # A rank failed and the others still wait for it in a collective (NCCL
                # may wait for many minutes): stop them, let them report, then end them.
                job.stopped.update(waiting)
                job.signal_ranks(signal.SIGTERM, waiting)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    job.proc.wait(timeout=TERM_GRACE_SECONDS)
                return False, False
    except KeyboardInterrupt:
        # The launcher and the ranks run in sessions of their own, so the terminal's
        # SIGINT reached only us: pass it to every rank, which stops its script and reports.
        job.signal_ranks(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired, KeyboardInterrupt):
            job.proc.wait(timeout=INTERRUPT_GRACE_SECONDS)
        return False, True


def run_ranks(
    config: ChildConfig,
    launch: Launch,
    on_progress: Callable[[Progress], None] | None = None,
) -> DistRunResult:
    """Run the script under `torch.distributed.run`, every rank instrumented; collect each rank."""
    with tempfile.TemporaryDirectory(prefix="dllab-diagnose-ddp-") as tmp:
        work = Path(tmp)
        cfg = {
            "script": config.script,
            "args": config.args,
            "max_steps": config.max_steps,
            "time_limit": config.time_limit,
            "device": config.device,
            "model": None,
            "input_shape": [],
            "classes": None,
            "out": str(work / "observations.json"),
            "log": str(work / "script.log"),
            "distributed": True,
        }
        (work / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            *launch.torchrun_args(),
            "-m",
            "dllab.diagnose.child",
            str(work / "config.json"),
        ]
        job = _Job(work, launch)
        launcher_log = work / "launcher.log"
        started = time.monotonic()
        with open(launcher_log, "wb") as log_fh:
            job.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                env=_child_env(config.device),
                start_new_session=os.name == "posix",
            )
            try:
                killed, interrupted = _supervise(
                    job, started + config.time_limit + LAUNCH_GRACE_SECONDS, started, on_progress
                )
            finally:
                job.kill_all()
        stalled = job.stalled(time.monotonic())
        launcher_text = launcher_log.read_text(encoding="utf-8", errors="replace")
        exit_codes = {int(r): int(code) for r, code in _FAILURE.findall(launcher_text)}
        ranks = [
            RankRun(
                rank=r,
                observations=obs,
                exit_code=exit_codes.get(r),
                stopped=r in job.stopped,
                log_tail=_tail(work / f"script.rank{r}.log"),
            )
            for r, obs in job.observations().items()
        ]
        return DistRunResult(
            ranks=ranks,
            returncode=job.proc.returncode,
            killed=killed,
            interrupted=interrupted,
            launcher_tail=_tail(launcher_log, 25),
            seconds=time.monotonic() - started,
            stalled=stalled,
            world_size=launch.nproc_per_node * launch.nnodes,
        )


def diagnose_distributed(
    path: str | os.PathLike[str],
    *,
    nproc_per_node: int,
    args: Sequence[str] = (),
    max_steps: int | None = DEFAULT_MAX_STEPS,
    time_limit: float = DEFAULT_TIME_LIMIT,
    device: str = "auto",
    nnodes: int = 1,
    node_rank: int = 0,
    master_addr: str | None = None,
    master_port: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Report:
    """Diagnose a script launched as `torchrun --nproc-per-node N script.py`.

    Args:
        path: the user's script (it calls `init_process_group` itself, with its own backend).
        nproc_per_node: workers on this machine.
        args: the script's own command-line arguments.
        max_steps, time_limit, device: as for `diagnose_file`, per rank.
        nnodes, node_rank, master_addr, master_port: passed through to the launcher for a
            multi-node job (dllab runs on every node; each reports on its own ranks).
        on_progress: called about twice a second (steps of the slowest rank).

    Returns:
        One report over every rank of this node. Never raises for problems in the script.
    """
    script = os.fspath(path)
    try:
        source = Source.parse(script, read_script(script))
    except ScriptLoadError as exc:
        status = "syntax-error" if "syntax error" in str(exc) else "missing-file"
        return Report(script=script, status=status, detail=str(exc))
    result = run_ranks(
        ChildConfig(
            script=script,
            args=list(args),
            max_steps=None if max_steps is None else max(1, max_steps),
            time_limit=max(1.0, time_limit),
            device=device,
        ),
        Launch(nproc_per_node, nnodes, node_rank, master_addr, master_port),
        on_progress,
    )
    return merge_ranks(script, source, result)


# -- merging --------------------------------------------------------------------------


def _rank_result(run: RankRun, result: DistRunResult) -> RunResult:
    outcome = run.observations.get("outcome")
    code = run.exit_code
    if code is None and outcome is not None:
        code = 0
    return RunResult(
        observations=run.observations,
        returncode=code,
        killed=result.killed and outcome is None,
        interrupted=result.interrupted,
        log_tail=run.log_tail,
        seconds=result.seconds,
    )


def _ended_at(run: RankRun) -> float:
    outcome = run.observations.get("outcome") or {}
    return float(outcome.get("ended_at", float("inf")))


@dataclass(frozen=True)
class _Cause:
    """The rank that brought the job down, and how."""

    rank: int
    hung: bool
    """True: it stalled in its own code until the time limit; False: it failed."""
    where: str


def _stood(run: RankRun) -> StoodAt | None:
    outcome = run.observations.get("outcome") or {}
    return outcome.get("stood_at") if outcome.get("status") == "time-limit" else None


def _find_cause(result: DistRunResult, reports: dict[int, Report]) -> _Cause | None:
    """A rank that failed by itself (first by time), else one that stalled in its own code.

    A rank whose error came from the communication (its peer went away) or that was
    stopped inside torch (waiting in a collective) is never the cause while another is.
    """
    runs = {run.rank: run for run in result.ranks}
    failed = [r for r, rep in reports.items() if rep.status in FAILED]
    own = [r for r in failed if not _is_collective_error(reports[r])]
    if own:
        # Ranks that left no report all end "at inf": one killed by a signal (a segfault)
        # is the cause before one that merely exited, which is often its peer's fallout.
        first = min(own, key=lambda r: (_ended_at(runs[r]), not _killed_by_signal(runs[r])))
        return _Cause(first, False, _where(reports[first].error_location))
    stalled = [r for r, run in runs.items() if (st := _stood(run)) and not st["in_torch"]]
    waited = [r for r, run in runs.items() if (st := _stood(run)) and st["in_torch"]]
    if stalled and (waited or failed) and not result.interrupted and result.stalled:
        first = min(stalled, key=lambda r: _ended_at(runs[r]))
        stood = _stood(runs[first])
        assert stood is not None
        return _Cause(first, True, _where((rep_path(reports[first], stood["file"]), stood["line"])))
    at_limit = any(rep.status == "time-limit" for rep in reports.values())
    # After Ctrl-C or at the time limit a rank's collective fails because its peer stopped.
    if failed and not result.interrupted and not at_limit:
        first = min(failed, key=lambda r: _ended_at(runs[r]))
        return _Cause(first, False, _where(reports[first].error_location))
    return None


def _short(detail: str) -> str:
    """An error's first sentence, without the C++ source path gloo and NCCL put first."""
    text = re.sub(r"\[[^\]]*\.(?:cc|cpp|h|hpp):\d+\]\s*", "", detail)
    text = text.split(". ", 1)[0]
    return text if len(text) <= 160 else text[:157] + "..."


def _where(location: tuple[str | None, int | None]) -> str:
    file, line = location
    return f" at {file}:{line}" if file and line else ""


def _rank_statuses(
    result: DistRunResult, reports: dict[int, Report], cause: _Cause | None
) -> list[RankStatus]:
    """Each rank's ending; a rank that only waited for the cause says so."""
    runs = {r.rank: r for r in result.ranks}
    at_limit = any(rep.status == "time-limit" for rep in reports.values())
    statuses = []
    for r, rep in reports.items():
        status, detail, location = rep.status, rep.detail, rep.error_location
        stood = _stood(runs[r])
        if stood is not None:
            location = (rep_path(rep, stood["file"]), stood["line"])
        if cause is not None and r != cause.rank:
            waited = runs[r].stopped or status in ("peer-failed", "time-limit", *FAILED)
            if waited:
                how = "stalled" if cause.hung else "failed"
                own = f" (here: {_short(detail)})" if detail and status in FAILED else ""
                status = "peer-failed"
                detail = f"waited for rank {cause.rank}, which {how}{cause.where}{own}"
        elif cause is not None and cause.hung:
            detail = "stalled in its own code until the time limit"
        elif cause is None and _is_collective_error(rep) and (result.interrupted or at_limit):
            status = "interrupted" if result.interrupted else "time-limit"
            detail = f"its peers stopped first (here: {_short(detail)})"
        statuses.append(
            RankStatus(r, status, detail, rep.steps_observed, location, runs[r].log_tail)
        )
    return statuses


def rep_path(report: Report, file: str | None) -> str | None:
    """A file as the report shows it (the script as the user named it)."""
    if file is None:
        return None
    if os.path.abspath(file) == os.path.abspath(report.script):
        return report.script
    return Context(report.script, None).display_path(file)


def _killed_by_signal(run: RankRun) -> bool:
    """The launcher reported a negative exit status (what the report's "killed by" is made from)."""
    return run.exit_code is not None and run.exit_code < 0


def _is_collective_error(report: Report) -> bool:
    """Did this rank fail inside the communication (a consequence of a peer's failure)?"""
    return report.status in FAILED and _COLLECTIVE_ERROR.search(report.detail) is not None


def _job_status(
    result: DistRunResult, ranks: list[RankStatus], cause: _Cause | None
) -> tuple[str, str, tuple[str | None, int | None]]:
    """The job's status, its detail and its location."""
    if cause is not None:
        first = next(r for r in ranks if r.rank == cause.rank)
        others = [r.rank for r in ranks if r.status == "peer-failed"]
        waited = f"; {_ranks_text(others)} waited for it" if others else ""
        if cause.hung:
            stalled = f"rank {first.rank} stalled in its own code{cause.where} until the time limit"
            return "time-limit", stalled + waited, (None, None)
        return first.status, f"rank {first.rank}: {first.detail}{waited}", first.location
    if result.interrupted:
        return "interrupted", "stopped with Ctrl-C; the steps before it are diagnosed", (None, None)
    statuses = {r.status for r in ranks}
    if "time-limit" in statuses or result.killed:
        return "time-limit", "", (None, None)
    if statuses == {"completed"}:
        return "completed", "", (None, None)
    if statuses <= {"completed", "max-steps"}:
        return "max-steps", "", (None, None)
    if "no-steps" in statuses:
        return "no-steps", "", (None, None)
    odd = ranks[0]
    return odd.status, f"rank {odd.rank}: {odd.detail}", odd.location


def _ranks_text(ranks: Sequence[int]) -> str:
    return ("rank " if len(ranks) == 1 else "ranks ") + ",".join(map(str, sorted(ranks)))


def merge_findings(by_rank: dict[int, list[Finding]]) -> list[Finding]:
    """One finding per check and line, naming the ranks that show it (the lowest rank's words)."""
    merged: dict[tuple[str, str | None, int | None], Finding] = {}
    for rank in sorted(by_rank):
        for finding in by_rank[rank]:
            key = (finding.check, finding.location.file, finding.location.line)
            seen = merged.get(key)
            if seen is None:
                merged[key] = replace(finding, ranks=(rank,))
            else:
                worst = max(seen.severity, finding.severity, key=lambda s: s.rank)
                merged[key] = replace(
                    seen,
                    severity=worst,
                    confirmed=seen.confirmed or finding.confirmed,
                    ranks=(*seen.ranks, rank),
                )
    return list(merged.values())


def merge_ranks(script: str, source: Source | None, result: DistRunResult) -> Report:
    """The single-process report of each rank, merged, plus the cross-rank checks."""
    reports = {
        run.rank: build_report(script, source, _rank_result(run, result)) for run in result.ranks
    }
    cause = _find_cause(result, reports)
    ranks = _rank_statuses(result, reports, cause)
    status, detail, location = _job_status(result, ranks, cause)
    about = cause.rank if cause is not None else None
    if not reports or all(not run.observations for run in result.ranks):
        launcher = result.launcher_tail.strip().splitlines()
        last = f": {launcher[-1]}" if launcher else ""
        return Report(
            script=script,
            status="time-limit" if result.killed else "crashed",
            detail=(
                f"no rank reported before the time limit (the launch or rendezvous did not finish){last}"
                if result.killed
                else f"the launcher (torch.distributed.run) ended before any rank reported{last}"
            ),
            log_tail=result.launcher_tail,
            seconds=result.seconds,
            ranks=ranks,
        )
    findings = merge_findings({r: rep.findings for r, rep in reports.items()})
    notes = _merged_notes({r: rep.notes for r, rep in reports.items()})
    contexts = {
        run.rank: Context(script, source, run.observations, reports[run.rank].status)
        for run in result.ranks
    }
    for rule in ALL_RANK_RULES:
        try:
            findings.extend(rule.run_ranks(contexts))
        except Exception as exc:  # one broken rule must not hide the others
            notes.append(f"check {rule.check} failed: {type(exc).__name__}: {exc}")
    findings.sort(key=lambda f: -f.severity.rank)
    chart_rank = _chart_rank(reports, findings)
    charts = reports[chart_rank]
    tail_rank = about if about is not None else chart_rank
    if chart_rank != min(reports):
        notes.append(f"the per-layer charts are rank {chart_rank}'s")
    if result.world_size > len(reports):
        notes.append(
            f"this node ran {_ranks_text(sorted(reports))} of {result.world_size}; "
            "dllab on each other node reports on its own ranks"
        )
    return Report(
        script=script,
        status=status,
        findings=findings,
        steps_observed=max(rep.steps_observed for rep in reports.values()),
        detail=detail,
        error_location=location,
        log_tail=reports[tail_rank].log_tail or result.launcher_tail,
        grad_norms=charts.grad_norms,
        dead_fractions=charts.dead_fractions,
        models=reports[min(reports)].models,
        seconds=result.seconds,
        notes=notes,
        ranks=ranks,
        charts_rank=chart_rank,
        world_size=result.world_size,
    )


def _chart_rank(reports: dict[int, Report], findings: list[Finding]) -> int:
    """Rank 0 (the lowest here), unless a per-layer finding shows on other ranks only."""
    first = min(reports)
    for finding in findings:
        if finding.check in CHART_CHECKS and finding.ranks and first not in finding.ranks:
            return finding.ranks[0]
    if not reports[first].grad_norms:
        with_charts = [r for r, rep in sorted(reports.items()) if rep.grad_norms]
        if with_charts:
            return with_charts[0]
    return first


def _merged_notes(by_rank: dict[int, list[str]]) -> list[str]:
    """A note every rank made once; any other with its rank."""
    notes: list[str] = []
    for rank in sorted(by_rank):
        for note in by_rank[rank]:
            everywhere = all(note in other for other in by_rank.values())
            text = note if everywhere else f"rank {rank}: {note}"
            if text not in notes:
                notes.append(text)
    return notes
