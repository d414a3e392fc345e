"""Per check: every buggy corpus case is found, and no clean case raises a warning or error."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dllab.diagnose.api import diagnose_file
from dllab.diagnose.report import Report
from dllab.diagnose.rules import CHECKS as ALL_CHECKS
from dllab.diagnose.rules import DISTRIBUTED_CHECKS

# Diagnoses the whole corpus (one child per script) before the first test, whose deadline
# therefore covers them all (each child still has its own time limit).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

CORPUS = Path(__file__).parent / "corpus"
BUGGY = sorted((CORPUS / "buggy").glob("*.py"))
CLEAN = sorted((CORPUS / "clean").glob("*.py"))
FAILURES = CORPUS / "failures"
PROJECT = CORPUS / "project"
MAX_STEPS = 100
"""Small on purpose: most corpus scripts finish (or show their bug) well within it.

A script whose bug shows only late (overfitting, a blow-up) says `# max-steps: none`
in its header and runs to its end, as `dllab diagnose` does by default.
"""
WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Diagnose children run side by side (each is its own process; each uses one thread)."""


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Children share 2 cores with other test runs: one intra-op thread each (same results)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_NUM_THREADS", "1")
        yield


_reports: dict[tuple[str, tuple[str, ...], int | None, float], Report] = {}


def expected(path: Path) -> set[str]:
    """The check ids a corpus script declares in its `# expect:` header (empty for `clean`)."""
    match = re.search(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} has no '# expect:' line"
    names = {n.strip() for n in match.group(1).split(",")}
    return set() if names == {"clean"} else names


def header_steps(path: Path) -> int | None:
    """The script's `# max-steps:` header (`none`: to its end), else `MAX_STEPS`."""
    match = re.search(r"^# max-steps: (\w+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        return MAX_STEPS
    return None if match.group(1) == "none" else int(match.group(1))


def report_for(
    path: Path, *args: str, max_steps: int | str | None = "header", time_limit: float = 60.0
) -> Report:
    """Diagnose `path` (cached: several tests read the same report)."""
    if max_steps == "header":
        max_steps = header_steps(path)
    assert not isinstance(max_steps, str)
    key = (str(path), args, max_steps, time_limit)
    if key not in _reports:
        _reports[key] = diagnose_file(
            path, args=args, max_steps=max_steps, time_limit=time_limit, device="cpu"
        )
    return _reports[key]


def prefetch(paths: list[Path]) -> None:
    """Diagnose the scripts not yet cached, `WORKERS` children at a time."""
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(report_for, paths))


CHECKS = {c: lesson for c, lesson in ALL_CHECKS.items() if c not in DISTRIBUTED_CHECKS}
"""The single-process checks (the distributed ones have their corpus in `test_ddp_checks.py`)."""
BY_CHECK = {check: [p for p in BUGGY if check in expected(p)] for check in CHECKS}


def describe(path: Path) -> str:
    report = report_for(path)
    found = (
        ", ".join(f"{f.check}/{f.severity}@{f.location.line}" for f in report.findings) or "nothing"
    )
    return f"{path.name}: status {report.status} ({report.detail}), {report.steps_observed} steps, found {found}"


def test_every_check_has_two_buggy_styles() -> None:
    counts = Counter(check for p in BUGGY for check in expected(p))
    assert set(counts) <= set(CHECKS), set(counts) - set(CHECKS)
    assert {check: counts[check] for check in CHECKS if counts[check] < 2} == {}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_check_finds_every_buggy_case(check: str) -> None:
    """Recall on the corpus: each script seeded with `check` gets a finding with that id."""
    prefetch(BY_CHECK[check])
    missed = [describe(p) for p in BY_CHECK[check] if not report_for(p).has(check)]
    assert missed == []


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_check_is_silent_on_clean_cases(check: str) -> None:
    """Precision on the corpus: no clean script gets a warning or error from `check`."""
    prefetch(CLEAN)
    noisy = [
        describe(p)
        for p in CLEAN
        if any(f.check == check and f.severity.rank >= 1 for f in report_for(p).findings)
    ]
    assert noisy == []


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_clean_case_runs_to_a_diagnosis(path: Path) -> None:
    report = report_for(path)
    assert report.diagnosed, describe(path)
    assert report.at_or_above("warning") == [], describe(path)


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_buggy_findings_carry_evidence_and_a_line(path: Path) -> None:
    for finding in report_for(path).findings:
        if finding.check in expected(path):
            assert finding.evidence and finding.fix and finding.lesson
            assert finding.location.file and finding.location.line, describe(path)


def test_the_whole_run_sees_what_the_quick_look_cannot() -> None:
    """Validation loss turns up after step 300: `--quick` (300 steps) misses it, the default finds it."""
    late = CORPUS / "buggy" / "overfit_long_run.py"
    assert report_for(late).has("overfitting")
    quick = report_for(late, max_steps=300)
    assert quick.status == "max-steps" and not quick.has("overfitting")


README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_START, TABLE_END = "<!-- corpus-table:start -->", "<!-- corpus-table:end -->"


def corpus_table() -> str:
    """Per check: the corpus it is measured on, its recall, its false alarms and precision."""
    rows = [
        "| Check | Buggy scripts | Found (recall) | Clean scripts | False alarms | Precision |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total_found = total_buggy = total_alarms = 0
    for check in sorted(CHECKS):
        buggy = BY_CHECK[check]
        found = sum(report_for(p).has(check) for p in buggy)
        alarms = sum(
            any(f.check == check and f.severity.rank >= 1 for f in report_for(p).findings)
            for p in CLEAN
        )
        total_found, total_buggy, total_alarms = (
            total_found + found,
            total_buggy + len(buggy),
            total_alarms + alarms,
        )
        precision = f"{found / (found + alarms):.0%}" if found + alarms else "-"
        rows.append(
            f"| `{check}` | {len(buggy)} | {found} ({found / len(buggy):.0%}) | {len(CLEAN)} | {alarms} | {precision} |"
        )
    rows.append(
        f"| all checks | {total_buggy} | {total_found} ({total_found / total_buggy:.0%}) | {len(CLEAN)} | {total_alarms} | {total_found / (total_found + total_alarms):.0%} |"
    )
    return "\n".join(rows)


@pytest.mark.timeout(3600)  # alone, it diagnoses the whole corpus
def test_readme_table_is_the_corpus_measurement() -> None:
    """The README's per-check recall/precision table is what this corpus measures.

    `DLLAB_UPDATE_README=1` rewrites the table from the run instead of failing.
    """
    prefetch([*BUGGY, *CLEAN])
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(TABLE_START, 1)
    current, tail = rest.split(TABLE_END, 1)
    table = corpus_table()
    if os.environ.get("DLLAB_UPDATE_README") == "1" and current.strip() != table:
        README.write_text(f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}", encoding="utf-8")
        current = table
    assert current.strip() == table


@pytest.mark.parametrize(
    ("script", "module", "line"),
    [("ds_sibling_module.py", "classifier.py", 16), ("ds_sibling_functional.py", "mlp.py", 14)],
)
def test_a_double_softmax_in_a_sibling_module_is_reported_at_its_softmax(
    script: str, module: str, line: int
) -> None:
    """`from nets.classifier import Classifier`: the line to change is in that file, not the loss call."""
    path = CORPUS / "buggy" / script
    finding = next(f for f in report_for(path).findings if f.check == "double-softmax")
    assert finding.location.file is not None, describe(path)
    assert Path(finding.location.file).parts[-2:] == ("nets", module)
    assert finding.location.line == line
    assert any(r.file and r.file.endswith(script) for r in finding.related)  # and the loss call


def test_a_recurrent_explosion_names_its_spectral_radius() -> None:
    path = CORPUS / "buggy" / "expl_rnn_spectral.py"
    report = report_for(path)
    finding = next(f for f in report.findings if f.check == "exploding-gradients")
    assert "weight_hh_l0 (RNN) started with spectral radius 1.20 > 1" in finding.evidence
    assert "1.20^30" in finding.evidence and "weight_hh_l0" in finding.fix
    non_finite = next(f for f in report.findings if f.check == "non-finite")
    assert "exploding gradients" in non_finite.fix  # the consequence points at its cause


@pytest.mark.parametrize("script", ["expl_rnn_spectral.py", "expl_deep_std1_init.py"])
def test_units_are_never_called_dead_on_non_finite_outputs(script: str) -> None:
    """Both blow up to NaN (a recurrent radius > 1, std-1 init of a deep ReLU MLP): the cause, no dead-relu."""
    report = report_for(CORPUS / "buggy" / script)
    assert report.has("exploding-gradients") and report.has("non-finite"), describe(
        CORPUS / "buggy" / script
    )
    assert not report.has("dead-relu")


@pytest.mark.parametrize(
    ("script", "line", "best"),
    [
        ("overfit_printed_manual_loss.py", 29, "epoch 5"),
        ("overfit_logging_grad_on.py", 32, "epoch 5"),
    ],
)
def test_printed_validation_losses_are_judged(script: str, line: int, best: str) -> None:
    """Validation losses that only the printout shows: the finding is at the print, named by epoch."""
    path = CORPUS / "buggy" / script
    finding = next(f for f in report_for(path).findings if f.check == "overfitting")
    assert finding.location.line == line, describe(path)
    assert finding.evidence.startswith(f"printed validation loss was lowest at {best} ")
    assert f"Keep the model from {best} " in finding.fix


def test_gradients_that_are_never_zeroed_explode_for_that_reason() -> None:
    """zero_grad() once before the loop: the growing sum is the cause, not the learning rate."""
    path = CORPUS / "buggy" / "zg_accumulation_once.py"
    finding = next(f for f in report_for(path).findings if f.check == "exploding-gradients")
    assert "never zeroed" in finding.evidence, describe(path)
    assert "missing-zero-grad" in finding.fix
    assert "learning rate" not in finding.fix and "clip" not in finding.fix


@pytest.mark.parametrize(
    ("script", "line", "step_line"),
    [
        ("mt_sequential.py", 15, 14),
        ("mt_trainer.py", 14, 24),
        ("mt_resnet_eval_only_once.py", 60, 69),
    ],
)
def test_missing_train_points_at_the_eval_call(script: str, line: int, step_line: int) -> None:
    """The line to change is the eval() that left the model in eval mode, not the step that shows it."""
    path = CORPUS / "buggy" / script
    finding = next(f for f in report_for(path).findings if f.check == "missing-train")
    assert finding.location.line == line, describe(path)
    assert [r.line for r in finding.related] == [step_line]
    assert f"eval() at line {line} put it in eval mode" in finding.evidence


@pytest.mark.parametrize(
    ("script", "check", "says", "never"),
    [
        # Adadelta's lr is a scale factor: no Adam range, no warm-up advice beyond its StepLR
        (
            "dead_adadelta_high_lr.py",
            "dead-relu",
            ["Adadelta's lr from 50 to 1 or below"],
            ["Adam"],
        ),
        # He init and momentum already there: not suggested again, the momentum is named
        (
            "dead_sgd_momentum_he_init.py",
            "dead-relu",
            ["SGD's learning rate from 0.5 to 0.1", "momentum 0.9", "relu2"],
            ["Kaiming", "He init"],
        ),
        ("dead_small_iris.py", "dead-relu", ["SGD's learning rate from 2 to 0.1"], ["Adam"]),
        # dead before any update (a -20 bias): not the learning rate
        ("dead_sequential.py", "dead-relu", ["negative biases"], ["learning rate"]),
        ("dead_functional.py", "dead-relu", ["negative biases"], ["learning rate"]),
        ("dead_module_high_lr.py", "dead-relu", ["Adam's learning rate from 0.5 to 0.001"], []),
        # log(0) on the first forward, before any step: neither the rate nor clipping
        ("nan_log.py", "non-finite", ["Guard log"], ["learning rate", "clip"]),
        ("expl_functional.py", "exploding-gradients", ["SGD's learning rate from 0.5 to 0.1"], []),
    ],
)
def test_the_fix_fits_what_the_run_used(
    script: str, check: str, says: list[str], never: list[str]
) -> None:
    """The optimizer, its learning rate, the init and the layer the run showed, nothing it already does."""
    path = CORPUS / "buggy" / script
    finding = next((f for f in report_for(path).findings if f.check == check), None)
    assert finding is not None, describe(path)
    assert [s for s in says if s not in finding.fix] == [], finding.fix
    assert [n for n in never if n in finding.fix.replace("Adadelta", "")] == [], finding.fix


@pytest.mark.parametrize(
    ("script", "line", "holds", "module"),
    [
        # frozen backbone, optimizer from the trainable ones (the old fc), then the new fc
        ("ft_filter_before_new_head.py", 30, "SGD holds 2 parameter tensors", "TinyResNet.fc"),
        # a trainer builds it from filter(...) first; freezing and the new head come after
        ("ft_trainer_filter_then_freeze.py", 30, "AdamW holds 8 parameter tensors", "Model.head"),
    ],
)
def test_an_optimizer_built_before_the_new_head_is_an_error_at_its_line(
    script: str, line: int, holds: str, module: str
) -> None:
    """How many tensors it holds, how many got a gradient, which module trains nothing, and the rebuild."""
    path = CORPUS / "buggy" / script
    report = report_for(path)
    nothing = next((f for f in report.findings if f.check == "optimizer-updates-nothing"), None)
    assert nothing is not None, describe(path)
    assert nothing.severity.value == "error" and nothing.location.line == line, describe(path)
    assert f"{holds} and none got a gradient" in nothing.evidence
    assert f"{module} trains nothing" in nothing.evidence
    frozen = next(f for f in report.findings if f.check == "frozen-parameters")
    assert frozen.severity.value == "error" and frozen.location.line == line
    assert (
        "filter(lambda p: p.requires_grad" in frozen.fix
        and "Build the optimizer after" in frozen.fix
    )


def test_an_lstm_at_a_high_rate_without_clipping_is_told_to_clip() -> None:
    """Gates bound an LSTM's per-step gain: no spectral radius; the steps were too large, unclipped."""
    path = CORPUS / "buggy" / "expl_lstm_lm_no_clip.py"
    finding = next(f for f in report_for(path).findings if f.check == "exploding-gradients")
    assert "spectral radius" not in finding.evidence, describe(path)
    assert "no gradient clipping of the LSTM over 35 time steps" in finding.evidence
    assert "the weights' norm grew" in finding.evidence and "SGD with lr=50" in finding.evidence
    assert finding.fix.startswith("Clip with clip_grad_norm_(model.parameters()")


def test_a_gru_drawn_from_a_unit_normal_is_told_its_init_scale() -> None:
    path = CORPUS / "buggy" / "expl_gru_normal_init.py"
    report = report_for(path)
    finding = next(f for f in report.findings if f.check == "exploding-gradients")
    assert "spectral radius" not in finding.evidence, describe(path)
    assert "the GRU's weights started at 14x PyTorch's default scale (gru.weight_hh_l0" in (
        finding.evidence
    )
    assert "orthogonal_" in finding.fix and "learning rate" not in finding.fix
    assert "exploding gradients" in next(f for f in report.findings if f.check == "non-finite").fix


@pytest.mark.parametrize("script", ["eval_neither_function.py", "eval_neither_trainer.py"])
def test_an_evaluation_lacking_eval_and_no_grad_gets_both_findings_honestly(script: str) -> None:
    """Each names its own missing call and fix, and neither claims the other call is there."""
    path = CORPUS / "buggy" / script
    report = report_for(path)
    mode = next(f for f in report.findings if f.check == "missing-eval")
    grad = next(f for f in report.findings if f.check == "eval-without-no-grad")
    assert "model.eval()" in mode.fix and "no_grad" in grad.fix, describe(path)
    assert "never calls .eval() either" in grad.evidence, grad.evidence
    assert "did not reach" not in mode.evidence, mode.evidence  # the run ran it, with autograd on
    assert mode.location.line and grad.location.line
