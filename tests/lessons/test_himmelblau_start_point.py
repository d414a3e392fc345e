"""himmelblau-start-point: start point and step size pick the minimum; the notes' lr 0.1 diverges."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import claim_values, prediction_between, run_lesson

MINIMA = {
    "top_right": (3.0, 2.0),
    "top_left": (-2.805118, 3.131312),
    "bottom_left": (-3.779310, -3.283186),
}
EXPECTED = {  # arm -> the minimum it must end in (SGD lr 0.01, 200 steps; measured)
    "from_4_3": "top_right",
    "from_0_0": "top_right",
    "from_m4_5": "top_left",
    "from_m7_m8": "top_left",
    "from_m7_m8_half_lr": "bottom_left",
}


def test_default_run_shows_the_claim() -> None:
    """Each ball ends within 1e-3 of its measured minimum with f < 1e-6; (−7, −8) depends on the lr."""
    result, run = run_lesson("himmelblau-start-point")
    assert result.claim and result.claim["passed"], result.claim
    for arm, name in EXPECTED.items():
        mx, my = MINIMA[name]
        x = run.history.series(arm, "x").last[1]  # type: ignore[union-attr]
        y = run.history.series(arm, "y").last[1]  # type: ignore[union-attr]
        assert abs(x - mx) < 1e-3 and abs(y - my) < 1e-3, (arm, x, y)
        assert run.history.series(arm, "f").last[1] < 1e-6  # type: ignore[union-attr]
    values = claim_values(result)
    assert values["last(from_m7_m8.x)"] != pytest.approx(
        values["last(from_m7_m8_half_lr.x)"], abs=0.5
    )


def test_the_notes_lr_diverges_from_every_start() -> None:
    """The flip: at lr 0.1 (the notes' setting) every ball's f is non-finite within 10 steps."""
    result, run = run_lesson("himmelblau-start-point", ["lr=0.1"])
    assert result.claim and not result.claim["passed"]
    for arm in EXPECTED:
        if arm == "from_m7_m8_half_lr":
            continue  # runs at 0.05: diverges too, checked below without a step bound
        step = run.history.series(arm, "f").first_nonfinite_step  # type: ignore[union-attr]
        assert step is not None and step <= 10, (arm, step)
    assert run.history.series("from_m7_m8_half_lr", "f").first_nonfinite_step is not None  # type: ignore[union-attr]


def test_adam_finds_the_nearest_bowl_from_far_away() -> None:
    """Adam lr 0.1 (steps of about lr per coordinate) takes (−7, −8) to the nearest minimum."""
    _, run = run_lesson("himmelblau-start-point", ["optimizer=adam", "lr=0.1"], steps=500)
    x = run.history.series("from_m7_m8", "x").last[1]  # type: ignore[union-attr]
    y = run.history.series("from_m7_m8", "y").last[1]  # type: ignore[union-attr]
    assert abs(x - MINIMA["bottom_left"][0]) < 1e-2 and abs(y - MINIMA["bottom_left"][1]) < 1e-2


def test_first_jump_prediction_and_the_limits() -> None:
    """y after SGD's first step from (−7, −8) is −8 + 0.01·1540 = 7.4; lr 0.02 > 2/λmax = 0.0149 of
    the bottom-left minimum: no ball settles there (from (−4, 5) it is still bouncing)."""
    _, run = run_lesson("himmelblau-start-point")
    prediction_between(run, "himmelblau-start-point", "first_jump", 7.0, 7.8)
    result, run = run_lesson("himmelblau-start-point", ["lr=0.02"])
    ends = {arm: run.history.last_values(arm).get("basin") for arm in result.arms}
    assert 3.0 not in ends.values(), ends
    assert ends["from_m4_5"] == 0.0  # not settled anywhere
    assert result.arms["from_m7_m8"] == "diverged"
