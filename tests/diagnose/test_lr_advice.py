"""The learning-rate advice fits the optimizer the run used, and never repeats what the code does."""

from __future__ import annotations

from typing import Any

import pytest

from dllab.diagnose.rules._recipe import lr_advice, warms_up


def opt(kind: str, lr: float | None, **extra: Any) -> Any:
    return {"type": kind, "lr": lr, "steps": 10, **extra}


@pytest.mark.parametrize(
    ("kind", "lr", "says"),
    [
        ("Adam", 0.5, "lower Adam's learning rate from 0.5 to 0.001 (its default) or below"),
        ("AdamW", 0.01, "from 0.01 to 0.001 (its default) or below"),
        ("SGD", 2.0, "lower SGD's learning rate from 2 to 0.1 (the usual range is 0.01-0.1)"),
        ("RMSprop", 0.01, "from 0.01 to 0.001 (the usual range is 1e-4 to 1e-3) or below"),
        ("Adagrad", 0.5, "from 0.5 to 0.01 (its default) or below"),
        ("Adadelta", 50.0, "lower Adadelta's lr from 50 to 1 or below (it scales the step"),
    ],
)
def test_a_rate_above_its_optimizers_range_is_brought_to_the_top_of_it(
    kind: str, lr: float, says: str
) -> None:
    assert says in lr_advice(opt(kind, lr))


@pytest.mark.parametrize(
    ("kind", "lr", "already"),
    [
        ("Adam", 1e-3, "0.001"),
        ("Adam", 3e-4, "0.0003"),
        ("SGD", 0.1, "0.1"),
        ("Adadelta", 1.0, "1 "),
        ("Adagrad", 0.01, "0.01"),
    ],
)
def test_a_rate_already_in_range_is_lowered_relatively_never_to_itself(
    kind: str, lr: float, already: str
) -> None:
    text = lr_advice(opt(kind, lr))
    assert f"to ~{lr / 10:.2g}" in text
    assert f"to {already}" not in text and "or below" not in text


def test_adadelta_advice_never_names_adam_or_a_step_size() -> None:
    text = lr_advice(opt("Adadelta", 1.0))
    assert "Adam" not in text.replace("Adadelta", "")
    assert "default is 1.0" in text and "scales the step" in text


def test_sgd_momentum_is_named_only_when_the_run_has_it() -> None:
    assert "with momentum 0.9 each step is ~10x lr" in lr_advice(opt("SGD", 0.5, momentum=0.9))
    assert "momentum" not in lr_advice(opt("SGD", 0.5, momentum=0.0))
    assert "momentum" not in lr_advice(opt("SGD", 0.5))


def test_lbfgs_gets_a_line_search_unless_it_has_one() -> None:
    plain = lr_advice(opt("LBFGS", 1.0))
    assert "line_search_fn='strong_wolfe'" in plain and "to ~0.1" in plain
    searched = lr_advice(opt("LBFGS", 1.0, line_search="strong_wolfe"))
    assert "line_search_fn=" not in searched and "from 1 to ~0.1" in searched


def test_an_unknown_optimizer_gets_relative_advice() -> None:
    assert lr_advice(opt("Lion", 3e-4)) == "lower Lion's learning rate from 0.0003 to ~3e-05"
    assert lr_advice(opt("MyOpt", 0.2)) == "lower MyOpt's learning rate from 0.2 to ~0.02"


def test_no_rate_known_or_nothing_to_lower() -> None:
    assert lr_advice(None) == "lower the learning rate"
    assert lr_advice(opt("SGD", None)) == "lower the learning rate"
    assert lr_advice(opt("SGD", 0.0)) == ""


def test_warm_up_schedulers() -> None:
    assert warms_up(opt("AdamW", 1e-3, schedulers=[{"type": "OneCycleLR"}]))
    assert not warms_up(opt("Adadelta", 1.0, schedulers=[{"type": "StepLR"}]))
    assert not warms_up(opt("SGD", 0.1)) and not warms_up(None)
