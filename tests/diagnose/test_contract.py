"""The diagnose contract: what the child records is what the rules read, by the same typed names."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import dllab.diagnose as diagnose_pkg
from dllab.diagnose.api import REPORT_FIELDS, build_report
from dllab.diagnose.observations import Counter, Event, Field, Observations
from dllab.diagnose.rules import ALL_RANK_RULES, ALL_RULES
from dllab.diagnose.rules._base import Context, Rule, UndeclaredRead
from dllab.diagnose.rules._ranked import RankedRule
from dllab.diagnose.runner import RunResult
from dllab.diagnose.static import Source

PACKAGE = Path(diagnose_pkg.__file__).parent
CHILD_MODULES = [
    "_instrument.py",
    "_calls.py",
    "_recorder.py",
    "_sites.py",
    "_models.py",
    "_steps.py",
]


def enum_members_used(files: list[str], enum: str) -> set[str]:
    """`Enum.MEMBER` attribute reads in the given modules."""
    used = set()
    for name in files:
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == enum
            ):
                used.add(node.attr)
    return used


def declared() -> set[Any]:
    return {need for rule in (*ALL_RULES, *ALL_RANK_RULES) for need in rule.requires}


def test_every_rule_declares_what_it_reads() -> None:
    for rule in (*ALL_RULES, *ALL_RANK_RULES):
        assert "requires" in vars(type(rule)), f"{rule.check} declares no requires"
        assert rule.requires, rule.check


def test_every_recorded_event_and_counter_is_read_by_a_rule() -> None:
    assert {e for e in Event if e.name in enum_members_used(CHILD_MODULES, "Event")} == set(Event)
    assert {c for c in Counter if c.name in enum_members_used(CHILD_MODULES, "Counter")} == set(
        Counter
    )
    assert set(Event) <= declared()
    assert set(Counter) <= declared()


def test_every_field_is_recorded_and_read(tmp_path: Path) -> None:
    from dllab.diagnose._recorder import Recorder

    rec = Recorder(__file__, 10, str(tmp_path / "obs.json"))
    rec.flush(partial=False, outcome={"status": "completed"})
    written = set(json.loads((tmp_path / "obs.json").read_text()))
    # `notes` is written only when part of the summary failed.
    assert written | {Field.NOTES.value} == {f.value for f in Field}
    assert set(Observations.__annotations__) == {f.value for f in Field}
    read = {n for n in declared() if isinstance(n, Field)} | REPORT_FIELDS
    # Events are read from `sites`, counters from `counters`.
    read |= {Field.SITES for n in declared() if isinstance(n, Event)}
    read |= {Field.COUNTERS for n in declared() if isinstance(n, Counter)}
    assert read == set(Field)


def full_observations() -> dict[str, Any]:
    """One observation of every kind, with values that make most rules fire."""
    site = {"file": "s.py", "line": 3, "count": 5, "model": "Net", "ndim": 3, "fn": "softmax"}
    loss = {
        "file": "s.py",
        "line": 4,
        "count": 20,
        "fn": "cross_entropy",
        "checked": 20,
        "prob_rows": 20,
        "log_prob_rows": 0,
        "unit_interval": 0,
        "train_calls": 10,
        "eval_calls": 10,
        "classes": 10,
    }
    phases = []
    for t, v in zip([1.0, 0.7, 0.5, 0.3, 0.2, 0.1], [1.0, 0.8, 0.9, 1.0, 1.2, 1.4], strict=True):
        phases += [
            {"kind": "train", "mean": t, "n": 4, "first_step": 0},
            {"kind": "eval", "mean": v, "n": 1, "first_step": 0},
        ]
    return {
        "steps": 50,
        "backwards": 50,
        "models": [
            {
                "name": "Net",
                "class": "Net",
                "file": "s.py",
                "line": 1,
                "calls": 50,
                "layers": ["a", "b", "c"],
                "mode_modules": ["drop"],
                "children": ["a", "b", "c"],
                "params": 100,
            }
        ],
        "grad_norms": {"Net": {"a": [1e-9] * 5, "b": [1e-4] * 5, "c": [1.0] * 5}},
        "total_norms": [[s, 1.0] for s in range(1, 6)] + [[s, 500.0] for s in range(6, 9)],
        "update_ratios": {"Net:a.weight": [1e-9, 1e-9, 1e-9]},
        "zero_grad": {"checked": 10, "stale": 10, "first_stale_step": 2},
        "nonfinite": {
            "loss": {"step": 9, "value": "nan"},
            "grad": {"step": 9, "value": "nan"},
            "grad_layer": {"model": "Net", "layers": ["a"]},
        },
        "sites": {e.value: [site] for e in Event},
        "losses": [
            loss,
            {**loss, "fn": "nll_loss"},
            {**loss, "fn": "binary_cross_entropy_with_logits"},
        ],
        "phases": phases,
        "alive_old_losses": 5,
        "dead_units": {
            "Net": {"b": {"fraction": 0.95, "units": 64, "samples": 512, "type": "ReLU"}}
        },
        "untrained_params": [{"model": "Net", "params": ["c.weight"], "numel": 10}],
        "counters": {c.value: 3 for c in Counter},
        "outcome": {"status": "completed"},
    }


SOURCE = Source.parse("s.py", "import torch\nx = 1\n")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.check)
@pytest.mark.parametrize("obs", ["full", "empty"])
def test_rules_read_only_what_they_declare(rule: Rule, obs: str) -> None:
    data = full_observations() if obs == "full" else {}
    ctx = Context("s.py", SOURCE, obs=data, status="completed")  # type: ignore[arg-type]
    rule.run(ctx.for_rule(rule, strict=True))


def test_an_undeclared_read_is_caught() -> None:
    ctx = Context("s.py", SOURCE, obs=full_observations())  # type: ignore[arg-type]
    clip = next(r for r in ALL_RULES if r.check == "clip-after-step")
    with pytest.raises(UndeclaredRead):
        ctx.for_rule(clip, strict=True).get(Field.PHASES)
    with pytest.raises(UndeclaredRead):
        ctx.for_rule(clip, strict=True).counter(Counter.EVAL_FORWARDS)


def test_full_observations_reach_most_rules() -> None:
    """The fabricated document above really exercises the rules (not an early return in each)."""
    report = build_report(
        "s.py",
        SOURCE,
        RunResult(observations=full_observations(), returncode=0),  # type: ignore[arg-type]
    )
    assert not [n for n in report.notes if "failed" in n]
    assert len({f.check for f in report.findings}) >= 12


def test_the_parent_side_imports_no_torch() -> None:
    code = (
        "import sys, dllab.diagnose.api, dllab.diagnose.observations, dllab.diagnose.rules; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("rule", ALL_RANK_RULES, ids=lambda r: r.check)
@pytest.mark.parametrize("obs", ["full", "empty"])
def test_ranked_rules_read_only_what_they_declare(rule: Rule, obs: str) -> None:
    data = full_observations() if obs == "full" else {}
    ctx = Context("s.py", SOURCE, obs=data, status="completed")  # type: ignore[arg-type]
    strict = ctx.for_rule(rule, strict=True)
    assert isinstance(rule, RankedRule)
    rule.run_ranks({0: strict, 1: strict})
