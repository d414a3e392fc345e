"""`dllab diagnose --nproc-per-node 2`: real 2-rank gloo jobs under torch.distributed.run, on CPU."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dllab.diagnose.distributed import Launch, diagnose_distributed, merge_findings
from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.render import ranks_label
from dllab.diagnose.report import Report

SCRIPTS = Path(__file__).parent / "ddp"


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_NUM_THREADS", "1")
        yield


def diagnose(name: str, **kwargs: Any) -> Report:
    kwargs.setdefault("time_limit", 120)
    return diagnose_distributed(SCRIPTS / name, nproc_per_node=2, device="cpu", **kwargs)


def cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dllab", "diagnose", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "100"},
    )


def by_check(report: Report) -> dict[str, Finding]:
    return {f.check: f for f in report.findings}


def alive(pid: int) -> bool:
    """A running process (a zombie waiting for its reaper does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"


def recorded_pids(folder: Path) -> dict[str, int]:
    """The pids written so far; a file whose writer has created it but not yet written
    its number (write_text opens, then writes) is not counted until it holds one."""
    texts = {p.stem: p.read_text().strip() for p in folder.glob("*.pid")}
    return {name: int(text) for name, text in texts.items() if text}


# -- merging and labels (no run) -------------------------------------------------------


def finding(check: str, line: int, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(check, severity, "m", "e", Location("t.py", line), "fix", "", True)


def test_findings_merge_by_check_and_line_and_name_their_ranks() -> None:
    merged = merge_findings(
        {
            0: [finding("double-softmax", 9), finding("dead-relu", 4, Severity.WARNING)],
            1: [finding("double-softmax", 9), finding("dead-relu", 5, Severity.WARNING)],
        }
    )
    ranks = {(f.check, f.location.line): f.ranks for f in merged}
    assert ranks == {("double-softmax", 9): (0, 1), ("dead-relu", 4): (0,), ("dead-relu", 5): (1,)}


def test_a_merged_finding_keeps_the_worst_severity() -> None:
    merged = merge_findings(
        {0: [finding("x", 1, Severity.WARNING)], 1: [finding("x", 1, Severity.ERROR)]}
    )
    assert [(f.severity, f.ranks) for f in merged] == [(Severity.ERROR, (0, 1))]


def test_ranks_labels() -> None:
    assert ranks_label((0, 1), (0, 1)) == "ranks 0,1"
    assert ranks_label((1,), (0, 1)) == "rank 1 only"
    assert ranks_label((1, 3), (0, 1, 2, 3)) == "ranks 1,3"
    assert ranks_label(tuple(range(8)), tuple(range(8))) == "all 8 ranks"
    assert ranks_label((5,), (5,)) == "rank 5"  # the one rank on this node of a bigger job
    assert ranks_label((), (0, 1)) == ""  # a single-process finding


def test_launcher_arguments_pass_through_and_one_node_gets_a_free_port() -> None:
    one = Launch(2).torchrun_args()
    assert "--nproc-per-node=2" in one and "--nnodes=1" in one
    port = int(next(a for a in one if a.startswith("--master-port=")).split("=")[1])
    assert 0 < port < 65536
    many = Launch(4, nnodes=2, node_rank=1, master_addr="10.0.0.1", master_port=29400)
    assert many.torchrun_args() == [
        "--nproc-per-node=4",
        "--nnodes=2",
        "--node-rank=1",
        "--master-addr=10.0.0.1",
        "--master-port=29400",
    ]
    assert many.local_ranks == [4, 5, 6, 7]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nnodes", "2", "t.py"], "need --nproc-per-node"),
        (["--nproc-per-node", "2", "--model", "Net()", "--input-shape", "3", "t.py"], "--model"),
        (["--nproc-per-node", "2", "--nnodes", "2", "t.py"], "--master-addr"),
        (["--nproc-per-node", "2", "--node-rank", "2", "--nnodes", "2", "t.py"], "--node-rank"),
        (["--nproc-per-node", "2", "--device", "cuda:1", "t.py"], "LOCAL_RANK"),
    ],
)
def test_bad_distributed_options_are_one_line_usage_errors(args: list[str], message: str) -> None:
    proc = cli(*args, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


# -- real 2-rank runs -------------------------------------------------------------------


@pytest.mark.slow
def test_a_clean_ddp_script_gives_no_findings() -> None:
    report = diagnose("clean_ddp.py")
    assert report.status == "completed", (report.detail, report.log_tail)
    assert [r.status for r in report.ranks] == ["completed", "completed"]
    assert report.at_or_above(Severity.WARNING) == [], report.findings
    assert report.steps_observed == 18  # 3 epochs x 192 samples per rank / 32
    assert report.charts_rank == 0 and report.grad_norms


@pytest.mark.slow
def test_single_process_checks_find_bugs_on_every_rank() -> None:
    found = by_check(diagnose("bugs_everywhere.py"))
    assert found["double-softmax"].ranks == (0, 1)
    assert found["missing-zero-grad"].ranks == (0, 1)


@pytest.mark.slow
def test_a_bug_on_one_rank_is_reported_for_that_rank_only() -> None:
    report = diagnose("rank1_only.py")
    found = by_check(report)
    assert found["missing-zero-grad"].ranks == (1,)
    assert found["missing-zero-grad"].severity is Severity.ERROR
    from rich.console import Console

    console = Console(record=True, width=80, color_system=None)
    from dllab.diagnose.render import render

    render(report, console, charts=False)
    assert "[rank 1 only]" in " ".join(console.export_text().split())


@pytest.mark.slow
def test_a_crashing_rank_is_named_and_json_carries_every_rank() -> None:
    proc = cli(
        "--nproc-per-node", "2", "--json", "--device", "cpu", str(SCRIPTS / "crash_rank1.py")
    )
    doc = json.loads(proc.stdout)  # stdout is the JSON document and nothing else
    assert proc.returncode == 2, proc.stderr  # not diagnosed, as a single process that raised
    assert doc["status"] == "script-error" and doc["diagnosed"] is False
    assert doc["reason"]["detail"].startswith("rank 1: ValueError: shard 1 is corrupt")
    assert doc["reason"]["location"]["line"] == 14
    assert doc["world_size"] == 2
    ranks = {r["rank"]: r for r in doc["ranks"]}
    assert ranks[1]["status"] == "script-error" and ranks[1]["steps_observed"] == 3
    assert ranks[0]["status"] == "peer-failed"
    assert "waited for rank 1" in ranks[0]["detail"]


@pytest.mark.slow
def test_a_hanging_rank_is_named_at_the_time_limit_and_nothing_is_left(tmp_path: Path) -> None:
    # Long enough for both ranks to start on a busy machine; rank 1 stalls at its 4th batch.
    report = diagnose("hang_rank1.py", time_limit=20, args=[str(tmp_path)])
    assert report.status == "time-limit", (report.detail, report.log_tail)
    assert "rank 1 stalled in its own code at" in report.detail
    assert "hang_rank1.py:38" in report.detail and "rank 0 waited for it" in report.detail
    statuses = {r.rank: r for r in report.ranks}
    assert statuses[0].status == "peer-failed" and statuses[1].status == "time-limit"
    assert statuses[1].location[1] == 38
    assert report.steps_observed == 3 and report.diagnosed
    pids = recorded_pids(tmp_path)
    assert set(pids) == {"rank0", "rank1", "rank0-loader0", "rank1-loader0"}
    assert [name for name, pid in pids.items() if alive(pid)] == []


@pytest.mark.slow
def test_ctrl_c_stops_every_rank_and_reports(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "dllab", "diagnose", "--nproc-per-node", "2", "--json"),
            *("--time-limit", "300", str(SCRIPTS / "hang_rank1.py"), "--", str(tmp_path)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    deadline = time.monotonic() + 120
    while len(recorded_pids(tmp_path)) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3.0)  # both ranks past their first steps: rank 1 asleep, rank 0 waiting
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=90)
    doc = json.loads(stdout)
    assert doc["status"] == "interrupted", stderr
    assert doc["diagnosed"] is True and doc["steps_observed"] == 3
    assert proc.returncode == 0
    pids = recorded_pids(tmp_path)
    assert len(pids) == 4 and [name for name, pid in pids.items() if alive(pid)] == []


@pytest.mark.slow
def test_a_rank_that_never_notices_a_failed_peer_is_stopped() -> None:
    """Rank 0 would run for 10 minutes; once rank 1 has failed it gets a grace, then is stopped."""
    report = diagnose("fail_before_peer_joins.py", time_limit=300)
    assert report.status == "script-error", report.detail
    assert report.detail.startswith("rank 1: FileNotFoundError")
    statuses = {r.rank: r for r in report.ranks}
    assert statuses[0].status == "peer-failed"
    assert statuses[0].detail.startswith("waited for rank 1, which failed at")


def test_charts_come_from_rank_0_unless_a_per_layer_finding_is_elsewhere() -> None:
    from dllab.diagnose.distributed import _chart_rank

    reports = {r: Report("t.py", "completed", grad_norms={"fc": 1.0}) for r in (0, 1)}
    assert _chart_rank(reports, []) == 0
    dead = replace(finding("dead-relu", 4, Severity.WARNING), ranks=(1,))
    assert _chart_rank(reports, [dead]) == 1
    assert _chart_rank(reports, [replace(dead, ranks=(0, 1))]) == 0
    reports[0] = Report("t.py", "crashed")  # rank 0 never reached a step
    assert _chart_rank(reports, []) == 1


@pytest.mark.slow
def test_a_rank_killed_by_a_signal_is_named_with_the_signal() -> None:
    """The launcher's failure summary gives the dead rank's exit status."""
    report = diagnose("segfault_rank1.py")
    assert report.status == "crashed" and not report.diagnosed
    assert report.detail.startswith("rank 1: the process was killed by SIGSEGV"), report.detail
    statuses = {r.rank: r for r in report.ranks}
    assert statuses[1].status == "crashed" and statuses[1].steps == 3
    assert statuses[0].status == "peer-failed"


@pytest.mark.slow
def test_two_nodes_each_report_on_their_own_ranks() -> None:
    """--nnodes/--node-rank/--master-* reach the launcher: two 'nodes' on this machine, 1 rank each."""
    from dllab.diagnose.distributed import free_port

    port = str(free_port())
    base = ["--nproc-per-node", "1", "--nnodes", "2", "--master-addr", "127.0.0.1"]
    args = [*base, "--master-port", port, "--json", "--device", "cpu"]
    script = str(SCRIPTS / "rank1_only.py")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "dllab", "diagnose", *args]
    nodes = [
        subprocess.Popen(
            [*command, "--node-rank", str(n), script], stdout=subprocess.PIPE, text=True, env=env
        )
        for n in (0, 1)
    ]
    docs = [json.loads(node.communicate(timeout=240)[0]) for node in nodes]
    assert [d["status"] for d in docs] == ["completed", "completed"]
    assert [d["world_size"] for d in docs] == [2, 2]
    assert [[r["rank"] for r in d["ranks"]] for d in docs] == [[0], [1]]
    assert [f["check"] for f in docs[0]["findings"]] == []
    found = {f["check"]: f["ranks"] for f in docs[1]["findings"]}
    assert found["missing-zero-grad"] == [1]


@pytest.mark.slow
def test_the_step_budget_stops_every_rank_at_the_same_step() -> None:
    report = diagnose("clean_ddp.py", max_steps=5)
    assert report.status == "max-steps" and report.diagnosed, report.detail
    assert [(r.status, r.steps) for r in report.ranks] == [("max-steps", 5), ("max-steps", 5)]


CLEAN = str(SCRIPTS / "clean_ddp.py")


def pgrep(pattern: str) -> list[str]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return out.split()


@pytest.mark.slow
def test_ctrl_c_while_the_ranks_still_start_leaves_no_process(tmp_path: Path) -> None:
    """Ctrl-C right after the launcher started its workers (still importing torch) ends them all."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TMPDIR": str(tmp_path)}  # our job's files
    proc = subprocess.Popen(
        [sys.executable, "-m", "dllab", "diagnose", "--nproc-per-node", "2", "--json", CLEAN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while len(pgrep(str(tmp_path))) < 3 and time.monotonic() < deadline:  # launcher + 2 workers
        time.sleep(0.05)
    assert len(pgrep(str(tmp_path))) >= 3
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=90)
    assert json.loads(stdout)["status"] in ("interrupted", "crashed"), stderr
    assert "Traceback" not in stderr
    time.sleep(1.0)
    assert pgrep(str(tmp_path)) == []


def test_a_rank_killed_by_a_signal_is_the_cause_before_a_peer_that_exited_unreported() -> None:
    # Neither left a report (no end time): the order the ranks come in must not decide.
    from dllab.diagnose.distributed import DistRunResult, RankRun, _find_cause
    from dllab.diagnose.report import Report

    reports = {
        0: Report("s.py", "crashed", detail="the process ended (exit status 1) before reporting"),
        1: Report("s.py", "crashed", detail="the process was killed by SIGSEGV"),
    }
    result = DistRunResult(ranks=[RankRun(0, exit_code=1), RankRun(1, exit_code=-11)], world_size=2)
    cause = _find_cause(result, reports)
    assert cause is not None and cause.rank == 1
