"""The checks only distributed training has: the rules on fabricated ranks, then the 2-rank corpus.

The rule tests build each rank's observations by hand (what `_ddp.py` records)
and run the rules in strict mode (every read declared). The corpus tests run
`tests/diagnose/corpus/ddp/` under `torch.distributed.run` with 2 gloo ranks on
CPU, as `dllab diagnose --nproc-per-node 2` does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from dllab.diagnose.findings import Finding, Severity
from dllab.diagnose.report import Report
from dllab.diagnose.rules import ALL_RANK_RULES, ALL_RULES, DISTRIBUTED_CHECKS, Context, Rule
from dllab.diagnose.rules._ranked import RankedRule
from dllab.diagnose.static import Source

SCRIPT = "train.py"
SOURCE = Source.parse(
    SCRIPT,
    "for i, batch in enumerate(warmup):\n    if i >= 3:\n        break\n"
    + "\n" * 25
    + "for epoch in range(9):\n    for xb, yb in loader:\n        pass\n"
    + "    if bad >= patience:\n        break\n",
)
"""A warm-up loop cut short at line 3; the epoch loop (29) around the loader's `for` (30), its break at 33."""
RULES: dict[str, Rule] = {r.check: r for r in (*ALL_RULES, *ALL_RANK_RULES)}


def rank_obs(rank: int, steps: int = 40, **dist: Any) -> dict[str, Any]:
    """One rank's observations with a distributed part (defaults: a plain correct DDP run)."""
    info = {
        "rank": rank,
        "world_size": 2,
        "backend": "gloo",
        "wrapped": ["DistributedDataParallel"],
        "built": [[SCRIPT, 20]],
        "bypassed": [],
        "batch_size": 32,
        "batchnorm": [],
        "fingerprints": [[s, f"r{rank}s{s}"] for s in range(20)],
        "checksums": [[s, 0, [1.5 + s, 9.0]] for s in (0, 1, 2, 3, 5, 10, 20)],
        "loaders": [loader()],
        "saves": [],
        **dist,
    }
    return {"steps": steps, "distributed": info, "models": [], "sites": {}}


def loader(epochs: int = 4, per_epoch: int = 10, **extra: Any) -> dict[str, Any]:
    return {
        "file": SCRIPT,
        "line": 30,
        "sampler": "DistributedSampler",
        "shuffle": True,
        "length": per_epoch,
        "epochs": [
            {"step": e * per_epoch, "sampler_epoch": e, "fingerprint": f"e{e}"}
            for e in range(epochs)
        ],
        **extra,
    }


def run(check: str, *ranks: dict[str, Any], statuses: tuple[str, ...] = ()) -> list[Finding]:
    """The check over the given ranks, each read in strict mode."""
    rule = RULES[check]
    ctxs = {
        r: Context(
            SCRIPT,
            SOURCE,
            obs=obs,  # type: ignore[arg-type]
            status=statuses[r] if statuses else "completed",
        ).for_rule(rule, strict=True)
        for r, obs in enumerate(ranks)
    }
    if isinstance(rule, RankedRule):
        return rule.run_ranks(ctxs)
    return [f for ctx in ctxs.values() for f in rule.run(ctx)]


def test_a_correct_ddp_run_gets_no_distributed_finding() -> None:
    ranks = (rank_obs(0), rank_obs(1))
    assert [f for check in DISTRIBUTED_CHECKS for f in run(check, *ranks)] == []


def test_a_single_process_run_records_nothing_distributed() -> None:
    single = {"steps": 40, "distributed": {}, "models": [], "sites": {}}
    assert [f for check in DISTRIBUTED_CHECKS for f in run(check, single, single)] == []


class TestSameBatches:
    def test_identical_inputs_on_every_rank(self) -> None:
        same = [[s, f"s{s}"] for s in range(20)]
        (finding,) = run(
            "ddp-same-batches", rank_obs(0, fingerprints=same), rank_obs(1, fingerprints=same)
        )
        assert finding.severity is Severity.ERROR and finding.ranks == (0, 1)
        assert "20 of 20 steps" in finding.evidence and finding.location.line == 30

    def test_too_few_steps_compared_say_nothing(self) -> None:
        same = [[s, "x"] for s in range(2)]
        assert (
            run("ddp-same-batches", rank_obs(0, fingerprints=same), rank_obs(1, fingerprints=same))
            == []
        )

    def test_an_occasional_equal_batch_is_not_the_same_data(self) -> None:
        theirs = [[s, "x" if s < 3 else f"b{s}"] for s in range(20)]
        ours = [[s, "x" if s < 3 else f"a{s}"] for s in range(20)]
        assert (
            run(
                "ddp-same-batches", rank_obs(0, fingerprints=ours), rank_obs(1, fingerprints=theirs)
            )
            == []
        )


class TestDivergedParams:
    def test_equal_at_start_then_different(self) -> None:
        other = [[0, 0, [1.5, 9.0]], [1, 0, [2.6, 9.0]], [2, 0, [3.7, 9.0]]]
        (finding,) = run(
            "ddp-diverged-params",
            rank_obs(0, wrapped=[]),
            rank_obs(1, wrapped=[], checksums=other),
        )
        assert "after step 1, equal before the first" in finding.evidence
        assert "no model was called through DistributedDataParallel" in finding.evidence
        assert finding.location.line == 20  # where the DDP wrapper is built

    def test_different_from_the_start(self) -> None:
        (finding,) = run(
            "ddp-diverged-params", rank_obs(0), rank_obs(1, checksums=[[0, 0, [7.0, 9.0]]])
        )
        assert "started from different weights" in finding.evidence

    def test_a_bypassed_wrapper_is_named(self) -> None:
        (finding,) = run(
            "ddp-diverged-params",
            rank_obs(0, bypassed=[{"model": "Net", "file": SCRIPT, "line": 33}], wrapped=[]),
            rank_obs(1, checksums=[[0, 0, [1.5, 9.0]], [1, 0, [2.0, 9.0]]]),
        )
        assert "Net is wrapped in DistributedDataParallel but called directly" in finding.evidence
        assert finding.location.line == 33  # the call that goes around the wrapper

    def test_rounding_noise_is_not_divergence(self) -> None:
        close = [[s, 0, [1.5 + s + 1e-9, 9.0]] for s in (0, 1, 2)]
        assert run("ddp-diverged-params", rank_obs(0), rank_obs(1, checksums=close)) == []


class TestRankLocalDecision:
    def test_saves_at_different_steps(self) -> None:
        site = {"file": SCRIPT, "line": 44}
        (finding,) = run(
            "ddp-rank-local-decision",
            rank_obs(0, saves=[{**site, "steps": [10]}]),
            rank_obs(1, saves=[{**site, "steps": [10, 20, 40]}]),
        )
        assert finding.location.line == 44 and finding.ranks == (0, 1)
        assert "rank 0 at step 10; rank 1 at steps 10, 20, 40" in finding.evidence

    def test_saving_on_rank_0_only_is_silent(self) -> None:
        site = {"file": SCRIPT, "line": 44, "steps": [10, 30]}
        assert run("ddp-rank-local-decision", rank_obs(0, saves=[site]), rank_obs(1)) == []

    def test_the_same_saves_everywhere_are_silent(self) -> None:
        site = {"file": SCRIPT, "line": 44, "steps": [10, 30]}
        assert (
            run("ddp-rank-local-decision", rank_obs(0, saves=[site]), rank_obs(1, saves=[site]))
            == []
        )

    def test_a_rank_that_stopped_early(self) -> None:
        (finding,) = run(
            "ddp-rank-local-decision",
            rank_obs(0, steps=30, loaders=[loader(3)]),
            rank_obs(1, steps=30, loaders=[loader(4)]),
            statuses=("completed", "script-error"),
        )
        assert finding.location.line == 33  # the `break` under `if bad >= patience`
        assert "rank 1 started pass 4 and failed" in finding.evidence

    @pytest.mark.parametrize("status", ["max-steps", "time-limit", "interrupted"])
    def test_a_budget_stop_says_nothing(self, status: str) -> None:
        """Every rank stopped from outside, at a pass boundary reached a moment apart."""
        assert (
            run(
                "ddp-rank-local-decision",
                rank_obs(0, loaders=[loader(3)]),
                rank_obs(1, loaders=[loader(4)]),
                statuses=(status, status),
            )
            == []
        )

    def test_a_peer_left_hanging(self) -> None:
        (finding,) = run(
            "ddp-rank-local-decision",
            rank_obs(0, loaders=[loader(3)]),
            rank_obs(1, loaders=[loader(4)]),
            statuses=("completed", "time-limit"),
        )
        assert "rank 1 started pass 4 and hung" in finding.evidence

    def test_the_rank_with_fewer_passes_crashed(self) -> None:
        """Its peer went on alone because it failed, not because it decided to stop."""
        assert (
            run(
                "ddp-rank-local-decision",
                rank_obs(0, loaders=[loader(3)]),
                rank_obs(1, loaders=[loader(4)]),
                statuses=("script-error", "script-error"),
            )
            == []
        )

    def test_shards_of_different_lengths_are_not_a_decision(self) -> None:
        assert (
            run(
                "ddp-rank-local-decision",
                rank_obs(0, loaders=[loader(3, per_epoch=10)]),
                rank_obs(1, loaders=[loader(4, per_epoch=9)]),
            )
            == []
        )

    def test_an_evaluation_loader_on_rank_0_only_is_not_the_training_loop(self) -> None:
        val = {
            **loader(4),
            "line": 50,
            "epochs": [
                {"step": 10 * e + 10, "sampler_epoch": 0, "fingerprint": None} for e in range(4)
            ],
        }
        assert (
            run("ddp-rank-local-decision", rank_obs(0, loaders=[loader(4), val]), rank_obs(1)) == []
        )


class TestSetEpoch:
    def test_the_same_epoch_at_every_pass(self) -> None:
        fixed = loader()
        for e in fixed["epochs"]:
            e["sampler_epoch"], e["fingerprint"] = 0, "same"
        findings = run("ddp-set-epoch", rank_obs(0, loaders=[fixed]), rank_obs(1, loaders=[fixed]))
        assert len(findings) == 2 and findings[0].severity is Severity.WARNING
        assert "epoch was 0 at the start of all 4 training passes" in findings[0].evidence
        assert "the first batch was the same in 4 of them" in findings[0].evidence

    @pytest.mark.parametrize(
        "change", [{"shuffle": False}, {"sampler": "RandomSampler", "shuffle": None}]
    )
    def test_no_shuffling_distributed_sampler_needs_no_set_epoch(
        self, change: dict[str, Any]
    ) -> None:
        fixed = loader(**change)
        for e in fixed["epochs"]:
            e["sampler_epoch"] = 0
        assert run("ddp-set-epoch", rank_obs(0, loaders=[fixed])) == []

    def test_one_pass_is_not_an_order_repeated(self) -> None:
        assert run("ddp-set-epoch", rank_obs(0, loaders=[loader(1)])) == []


class TestBatchnorm:
    def test_small_per_rank_batch(self) -> None:
        (finding, _) = run(
            "ddp-batchnorm-sync",
            rank_obs(0, batchnorm=["DistributedDataParallel.module.bn1"], batch_size=8),
            rank_obs(1, batchnorm=["DistributedDataParallel.module.bn1"], batch_size=8),
        )
        assert finding.severity is Severity.INFO
        assert "each rank's 8 samples, not the global batch of 16" in finding.message

    def test_a_large_per_rank_batch_is_fine(self) -> None:
        assert run("ddp-batchnorm-sync", rank_obs(0, batchnorm=["m.bn"], batch_size=64)) == []


def test_child_side_fingerprints_and_checksums() -> None:
    import torch

    from dllab.diagnose._ddp import checksum_step
    from dllab.probes.fingerprint import param_checksums, tensor_fingerprint

    x = torch.randn(64, 3, 32, 32)
    assert tensor_fingerprint(x) == tensor_fingerprint(x.clone())
    assert tensor_fingerprint(x) != tensor_fingerprint(x[1:])
    assert tensor_fingerprint(x) != tensor_fingerprint(torch.roll(x, 1, dims=0))
    assert tensor_fingerprint(x.transpose(0, 1)) == tensor_fingerprint(x.transpose(0, 1).clone())
    weights = [torch.randn(4, 4), torch.randn(4)]
    assert param_checksums(weights) == param_checksums([w.clone() for w in weights])
    assert param_checksums(weights) != param_checksums([weights[0] * 1.0001, weights[1]])
    assert [s for s in range(1, 1001) if checksum_step(s)] == [
        1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000,
    ]  # fmt: skip


# -- the 2-rank corpus ---------------------------------------------------------------------

CORPUS = Path(__file__).parent / "corpus" / "ddp"
BUGGY = sorted((CORPUS / "buggy").glob("*.py"))
CLEAN = sorted((CORPUS / "clean").glob("*.py"))
_reports: dict[Path, Report] = {}


def expected(path: Path) -> set[str]:
    match = re.search(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} has no '# expect:' line"
    names = {n.strip() for n in match.group(1).split(",")}
    return set() if names == {"clean"} else names


def report_for(path: Path) -> Report:
    from dllab.diagnose.distributed import diagnose_distributed

    if path not in _reports:
        _reports[path] = diagnose_distributed(path, nproc_per_node=2, time_limit=120, device="cpu")
    return _reports[path]


def describe(path: Path) -> str:
    report = report_for(path)
    found = ", ".join(
        f"{f.check}/{f.severity}@{f.location.line}{list(f.ranks)}" for f in report.findings
    )
    ranks = [(r.rank, r.status, r.steps) for r in report.ranks]
    return f"{path.name}: {report.status} {ranks} ({report.detail}), found {found or 'nothing'}"


def test_every_distributed_check_has_two_buggy_styles() -> None:
    counts = {check: sum(check in expected(p) for p in BUGGY) for check in DISTRIBUTED_CHECKS}
    assert {c: n for c, n in counts.items() if n < 2} == {}
    assert len(CLEAN) >= 2


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_buggy_ddp_script_is_found(path: Path) -> None:
    report = report_for(path)
    for check in expected(path):
        found = [f for f in report.findings if f.check == check]
        assert found, describe(path)
        assert all(f.evidence and f.fix and f.location.line and f.ranks for f in found)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_clean_ddp_script_is_silent(path: Path) -> None:
    """No warning or error from any check, the single-process ones on each rank included."""
    report = report_for(path)
    assert report.diagnosed, describe(path)
    assert report.at_or_above("warning") == [], describe(path)
    assert [f for f in report.findings if f.check in DISTRIBUTED_CHECKS] == [], describe(path)


README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_START, TABLE_END = "<!-- ddp-corpus-table:start -->", "<!-- ddp-corpus-table:end -->"


def ddp_table() -> str:
    rows = [
        "| Check | Buggy scripts | Found (recall) | Clean scripts | False alarms | Precision |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for check in sorted(DISTRIBUTED_CHECKS):
        buggy = [p for p in BUGGY if check in expected(p)]
        found = sum(any(f.check == check for f in report_for(p).findings) for p in buggy)
        alarms = sum(
            any(f.check == check and f.severity.rank >= 1 for f in report_for(p).findings)
            for p in CLEAN
        )
        precision = f"{found / (found + alarms):.0%}" if found + alarms else "-"
        rows.append(
            f"| `{check}` | {len(buggy)} | {found} ({found / len(buggy):.0%}) | {len(CLEAN)} | {alarms} | {precision} |"
        )
    return "\n".join(rows)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_readme_ddp_table_is_the_corpus_measurement() -> None:
    """`DLLAB_UPDATE_README=1` rewrites the table from the run instead of failing."""
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(TABLE_START, 1)
    current, tail = rest.split(TABLE_END, 1)
    table = ddp_table()
    if os.environ.get("DLLAB_UPDATE_README") == "1" and current.strip() != table:
        README.write_text(f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}", encoding="utf-8")
        current = table
    assert current.strip() == table
