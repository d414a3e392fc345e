"""`dllab sweep`: the plan from what the user names, each point a recorded run, the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dllab.charts import draw_sweep
from dllab.engine import default_config
from dllab.engine.sweep import SweepPoint, SweepRunner, plan_sweep, summarize
from dllab.errors import ConfigError
from tests.engine.conftest import toy_lesson
from tests.test_cli import dllab


def _plan(target: str | None, **kw: object):  # type: ignore[no-untyped-def]
    lesson = toy_lesson()
    base = default_config(lesson)
    base.device = "cpu"
    return plan_sweep(lesson, base, target, **kw)  # type: ignore[arg-type]


def test_no_target_runs_the_first_sweep_entry() -> None:
    plan = _plan(None)
    assert (plan.sweep_id, plan.knob, plan.arms, plan.steps) == ("fast_lr", "fast.lr", ["fast"], 20)
    assert plan.xs == pytest.approx([0.05, 0.15, 0.25, 0.35, 0.45]) and not plan.log_x
    assert plan.curves == {"fast": "last(fast.w)"} and plan.vlines == (0.25,)
    config = plan.config_at(0.15, 3)
    assert (
        config.arm_knobs == {"fast": {"lr": 0.15}} and config.seed == 3 and config.arms == ["fast"]
    )


def test_a_knob_or_id_takes_the_entry_grid_and_a_range_overrides_it() -> None:
    by_knob, by_id = _plan("w0"), _plan("fast_lr")
    assert by_knob.xs == pytest.approx([0.01, 0.1, 1, 10, 100]) and by_knob.log_x
    assert by_knob.curves == {"slow": "last(slow.w)", "fast": "last(fast.w)"}
    assert by_id.knob == "fast.lr"
    ranged = _plan("w0=0.1:10", points=3, seeds=2, steps=4)
    assert ranged.xs == pytest.approx([0.1, 1, 10]) and ranged.seeds == [0, 1]
    assert ranged.steps == 4 and ranged.metric == "last(w)"  # the entry's metric still applies
    # a knob no entry names: its whole range, the lesson's steps, last(<first reported metric>)
    free = _plan("step_sleep", points=2)
    assert free.xs == [0.0, 1.0] and free.steps == 50 and free.metric == "last(loss)"


def test_a_metric_that_names_its_arms_is_one_curve() -> None:
    plan = _plan("w0", metric="last(fast.w) / last(slow.w)")
    assert plan.curves == {"last(fast.w) / last(slow.w)": "last(fast.w) / last(slow.w)"}


@pytest.mark.parametrize(
    ("target", "kw", "message"),
    [
        ("lr=0.1:1", {}, "knob 'lr' is fixed by arm(s) (slow has lr=0.01, fast has lr=0.2)"),
        ("fast.lr=0.5:0.1", {}, "lo (0.5) must be below hi (0.1)"),
        ("w0=1e-4:1", {}, "is outside the range of knob 'w0' [0.001, 1000]"),
        ("w0=small:big", {}, "a sweep range is KNOB=LO:HI"),
        ("w0=1", {}, "a sweep range is KNOB=LO:HI"),
        ("mode", {}, "knob 'mode' is a choice: a sweep needs a float or int knob"),
        ("depth", {}, "no knob 'depth'"),
        ("quick.lr", {}, "no arm 'quick'"),
        ("w0", {"seeds": 0}, "--seeds must be at least 1"),
        ("w0", {"points": 1}, "a sweep needs at least 2 points"),
        ("w0", {"points": 500}, "more than 50 runs"),
        ("w0", {"metric": "last(w) <"}, "--metric: cannot parse"),
        ("w0", {"metric": "last(w) > 1"}, "a sweep metric is a number, not a comparison"),
    ],
)
def test_bad_sweeps_are_config_errors(target: str, kw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _plan(target, **kw)
    assert message in str(info.value)


def test_points_are_recorded_runs_and_the_summary_bands_seeds(dllab_home: Path) -> None:
    plan = _plan("w0=0.1:10", points=3, seeds=2, steps=4, metric="last(w) + 0 * last(loss)")
    seen = []
    points = SweepRunner(plan, on_point=seen.append).run()
    assert [(p.x, p.seed) for p in points] == [
        (0.1, 0),
        (0.1, 1),
        (1.0, 0),
        (1.0, 1),
        (10.0, 0),
        (10.0, 1),
    ]
    assert seen == points and all(p.status == "completed" for p in points)
    for p in points:  # w after 4 steps is w0 * (1 - 2 lr)^4, lr fixed by each arm
        assert p.values["slow"] == pytest.approx(p.x * 0.98**4, rel=1e-5)
        assert p.values["fast"] == pytest.approx(p.x * 0.6**4, rel=1e-5)
        meta = json.loads((Path(str(p.record_dir)) / "config.json").read_text())
        assert meta["config"]["knobs"]["w0"] == p.x and meta["config"]["seed"] == p.seed
    assert plan.base.knobs["w0"] == 1.0  # each point works on a copy
    summary = summarize(plan, points)
    assert summary["xs"] == [0.1, 1.0, 10.0] and summary["complete"] is True
    assert summary["curves"]["fast"]["mean"] == pytest.approx(
        [x * 0.6**4 for x in (0.1, 1, 10)], rel=1e-5
    )
    assert summary["log_x"] is True and len(summary["runs"]) == 6


def test_summary_band_and_gaps() -> None:
    plan = _plan("w0=1:10", points=2, seeds=2)
    points = [
        SweepPoint(1.0, 0, "a", "completed", {"slow": 1.0, "fast": None}),
        SweepPoint(1.0, 1, "b", "completed", {"slow": 3.0, "fast": None}),
        SweepPoint(10.0, 0, "c", "completed", {"slow": 5.0, "fast": 2.0}),
    ]
    summary = summarize(plan, points)
    assert summary["curves"]["slow"] == {"mean": [2.0, 5.0], "min": [1.0, 5.0], "max": [3.0, 5.0]}
    assert summary["curves"]["fast"]["mean"] == [None, 2.0]  # a diverged point is a gap
    assert summary["complete"] is False


def test_chart_draws_curves_on_log_axes_with_vlines() -> None:
    import plotext as plt

    plan = _plan("fast_lr")
    points = [SweepPoint(x, 0, "r", "completed", {"fast": 10 ** -(10 * x)}) for x in plan.xs]
    summary = summarize(plan, points)
    plt.clear_figure()
    plt.plotsize(80, 20)
    draw_sweep(plt, summary)
    text = plt.uncolorize(plt.build())
    assert "fast's w after 20 steps against its lr" in text and "fast.lr" in text
    assert "1e-1" in text and "●" in text  # decade ticks, measured points


def test_the_sweep_legend_sits_under_the_plot_never_over_the_data() -> None:
    """plotext's own legend sat in the plot's top-left corner, over the first points."""
    from dllab.commands.sweep import render_chart

    plan = _plan("w0", points=3, seeds=2)
    points = [
        SweepPoint(x, seed, "r", "completed", {"slow": x * (1 + seed), "fast": 2 * x})
        for x in plan.xs
        for seed in (0, 1)
    ]
    summary = summarize(plan, points)
    text = render_chart(summary, 80, 20, color=False)
    lines = text.splitlines()
    bottom = max(i for i, line in enumerate(lines) if "└" in line)
    plot = "\n".join(lines[: bottom + 1])
    assert "slow" not in plot and "fast" not in plot, plot  # nothing named inside the frame
    legend = "\n".join(lines[bottom + 1 :])
    assert "** slow (mean of 2 seeds)" in legend and "++ fast (mean of 2 seeds)" in legend, legend
    assert max(len(line) for line in lines) <= 80


@pytest.mark.slow
def test_cli_sweep_json_lines_then_summary() -> None:
    out = dllab("sweep", "toy", "w0=0.1:10", "--points", "3", "--steps", "3", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["type"] for line in lines] == ["point"] * 3 + ["summary"]
    assert [p["x"] for p in lines[:3]] == pytest.approx([0.1, 1.0, 10.0])
    assert lines[0]["values"]["fast"] == pytest.approx(0.1 * 0.6**3, rel=1e-5)
    assert lines[-1]["knob"] == "w0" and lines[-1]["sweep"] == "w0" and lines[-1]["log_y"] is True


@pytest.mark.slow
def test_cli_sweep_plain_prints_points_and_the_chart() -> None:
    out = dllab("sweep", "toy", "--points", "2", "--seeds", "2")
    assert out.returncode == 0, out.stderr
    assert "toy: fast.lr over 2 points, 2 seed(s), 20 steps per run, arms fast" in out.stdout
    assert "[4/4] fast.lr=0.45 seed 1: fast " in out.stdout
    assert "fast (mean of 2 seeds)" in out.stdout and "4 run(s) recorded" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lr=0.1:1",), "set it per arm with ARM.lr=VALUE"),
        (("w0", "--points", "1"), "at least 2 points"),
        (("w0", "--device", "tpu"), "tpu"),
    ],
)
def test_cli_sweep_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    out = dllab("sweep", "toy", *args)
    assert out.returncode == 2, out.stdout
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
