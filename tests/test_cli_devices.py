"""`--predict` on `dllab run`/`check`, and shared settings that arms fix (issue 10's CLI item)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.test_cli import dllab


def _end(stdout: str) -> dict[str, object]:
    end = json.loads(stdout.splitlines()[-1])
    assert end["type"] == "end"
    return dict(end)


@pytest.mark.slow
def test_predict_json_end_line_and_progress(dllab_home: Path) -> None:
    out = dllab("run", "toy", "--json", "--predict", "fast_w=1e-11", "--predict", "slow_w=0.3")
    assert out.returncode == 0, out.stderr
    rows = {r["id"]: r for r in _end(out.stdout)["predictions"]}  # type: ignore[attr-defined]
    fast, slow = rows["fast_w"], rows["slow_w"]
    # fast's w is 0.6^50 exactly as the toy experiment computes it
    assert fast["value"] == pytest.approx(0.6**50, rel=1e-5)
    assert fast["error"] == pytest.approx(math.log10(1e-11 / 0.6**50), abs=1e-4)
    assert fast["guess"] == 1e-11 and fast["close"] is True and fast["scale"] == "log"
    assert slow["value"] == pytest.approx(0.98**50, rel=1e-5)
    assert slow["error"] == pytest.approx(abs(0.3 - 0.98**50) / 0.98**50, rel=1e-4)
    assert slow["close"] is False  # 17.6% off, the tolerance is 10%
    start = json.loads(out.stdout.splitlines()[0])
    assert start["config"]["predictions"] == {"fast_w": 1e-11, "slow_w": 0.3}
    progress = json.loads((dllab_home / "progress.json").read_text())
    kept = progress["lessons"]["toy"]["predictions"]
    assert kept["fast_w"]["guess"] == 1e-11 and kept["fast_w"]["close"] is True
    assert kept["slow_w"]["value"] == pytest.approx(0.98**50, rel=1e-5)


@pytest.mark.slow
def test_unguessed_prediction_is_measured_not_judged() -> None:
    out = dllab("run", "toy", "--json", "--steps", "5")
    rows = _end(out.stdout)["predictions"]
    assert [r["guess"] for r in rows] == [None, None]  # type: ignore[attr-defined]
    assert rows[0]["value"] == pytest.approx(0.6**5, rel=1e-5)  # type: ignore[index]
    assert rows[0]["error"] is None and rows[0]["close"] is None  # type: ignore[index]


@pytest.mark.slow
def test_check_prints_the_verdict_and_the_explanation() -> None:
    out = dllab("check", "toy", "--predict", "fast_w=1e-10")
    assert out.returncode == 0, out.stderr
    assert (
        "✗ fast_w: you guessed 1e-10, measured 8.08e-12: 1.1 decades off, not close" in out.stdout
    )
    assert "0.6^50, about 8e-12" in out.stdout
    assert "? slow_w: And slow's w" in out.stdout and "--predict slow_w=VALUE" in out.stdout
    assert "0.364" not in out.stdout  # an unguessed answer is not given away


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--predict", "fast_w"), "--predict takes ID=VALUE"),
        (("--predict", "fastw=1"), "no prediction 'fastw' (predictions: fast_w, slow_w)"),
        (("--predict", "fast_w=lots"), "--predict fast_w: 'lots' is not a number"),
        (("--predict", "fast_w=0"), "judged in orders of magnitude: give a positive number"),
        (("--predict", "slow_w=nan"), "needs a finite number"),
    ],
)
def test_bad_guess_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    out = dllab("run", "toy", *args)
    assert out.returncode == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_shared_setting_fixed_by_the_arms_is_an_error() -> None:
    out = dllab("run", "toy", "--set", "lr=0.5")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert (
        "lr=0.5 would not reach the arm(s) that fix 'lr' (slow runs lr=0.01, fast runs lr=0.2); "
        "set it per arm with ARM.lr=VALUE, e.g. --set slow.lr=0.5"
    ) in out.stderr
    # Only the arms that run count, and a value the arm already has is no conflict.
    assert dllab("run", "toy", "--arm", "fast", "--set", "lr=0.2", "--steps", "2").returncode == 0


def test_real_lesson_loss_fixed_by_every_arm() -> None:
    out = dllab("run", "why-cross-entropy", "--set", "loss=mse", course=None)
    assert out.returncode == 2
    assert "bce runs loss=bce, accuracy runs loss=accuracy" in out.stderr
    assert "--set bce.loss=mse" in out.stderr


@pytest.mark.slow
def test_the_record_says_what_each_arm_ran(dllab_home: Path) -> None:
    out = dllab("run", "toy", "--json", "--steps", "3", "--set", "fast.lr=0.3", "--set", "w0=2")
    assert out.returncode == 0, out.stderr
    start = json.loads(out.stdout.splitlines()[0])
    ran = start["arm_values"]
    assert (ran["slow"]["lr"], ran["fast"]["lr"], ran["fast"]["w0"]) == (0.01, 0.3, 2.0)
    meta = json.loads((Path(start["record_dir"]) / "config.json").read_text())
    assert meta["arm_values"] == ran
    # and it is what ran: w after 3 steps is w0 * (1 - 2 lr)^3
    assert _end(out.stdout)["summary"]["fast"]["w"] == pytest.approx(2 * 0.4**3, rel=1e-5)  # type: ignore[index]
