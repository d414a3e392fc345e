"""Every lesson of the course at 80x24 after a run: the chart keeps a readable plot.

Four checks wrapping to three lines each took the rows of the chart beside the
text (one plot row at 80x24). The claim now cuts each check to one line when the
whole claim does not fit, keeps the summary ("4/4 hold") on screen, and `m`
shows every check whole.
"""

from __future__ import annotations

import math

import pytest
from textual.pilot import Pilot

from dllab.curriculum.claims import CheckResult, ClaimResult
from dllab.curriculum.model import ChartKind
from dllab.engine.events import MetricPoint
from dllab.engine.history import RunHistory
from dllab.tui.app import make_app
from dllab.tui.screens.lesson import LessonScreen
from dllab.tui.widgets.chart import MetricChart
from dllab.tui.widgets.claim import ClaimView, cut_cells

from .test_small_terminal import shown

PLOT_ROWS = {(80, 24): 6, (120, 40): 6}
"""Rows between the plot's top and bottom border, at least, for each chart shown."""

ALONE_ROWS = {(80, 24): 6, (120, 40): 16}
"""The same when one chart has the column to itself (120x40 shows two when both get 6)."""

AXES = 4
"""Rows of a chart's plot area that are not plot: the box's two borders, the ticks, 'step'."""


def history_for(screen: LessonScreen, steps: int = 30) -> RunHistory:
    """Every line-chart metric of the lesson, for every arm: curves to draw and a legend."""
    history = RunHistory()
    metrics = {
        m for spec in screen.lesson.charts if spec.kind is ChartKind.LINE for m in spec.metrics
    }
    for step in range(steps):
        history.add(
            [
                MetricPoint("synthetic", arm, step, metric, 1 + math.exp(-0.1 * k * step))
                for k, arm in enumerate(screen.arms(), start=1)
                for metric in metrics
            ]
        )
    return history


def verdict(screen: LessonScreen) -> ClaimResult:
    """Each check as after a run: the first fails, the others hold, four numbers each."""
    values = {"a": 0.874321, "b": 15.2, "c": 0.0556, "d": 1.4142}
    return ClaimResult(
        [
            CheckResult(check.text, check.expr, i > 0, dict(values))
            for i, check in enumerate(screen.checks())
        ]
    )


async def settled(pilot: Pilot[None], screen: LessonScreen, rounds: int = 100) -> None:
    """Until the layout holds still and every shown chart is built at its laid-out size.

    A fixed pause was not enough on a loaded machine: the layout, then each chart's
    build at its new size, can each take a few refreshes.
    """
    last: object = None
    for _ in range(rounds):
        await pilot.pause(0.05)
        charts = [c for c in screen.query(MetricChart) if c.display]
        now = [(c.spec.id, c.region, c.plot.region) for c in charts]
        now.append(("claim", screen.query_one(ClaimView).region, None))
        built = all(
            getattr(c.plot, "built_size", None) in (None, (c.plot.size.width, c.plot.size.height))
            for c in charts
        )
        if built and now == last:
            return
        last = now


def plot_rows(chart: MetricChart) -> int:
    """Rows inside the plot's box (between ┌ and └), as drawn."""
    lines = chart.picture.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return bottom - top - 1


@pytest.mark.slow
@pytest.mark.parametrize("size", list(PLOT_ROWS), ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_lesson_keeps_a_readable_plot_beside_its_claim(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang="en", fps=20.0)
    async with app.run_test(size=size) as pilot:
        for lesson in app.course.lessons:
            app.open_lesson(lesson.id)
            await pilot.pause(0.1)
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            history = history_for(screen)
            screen.overlay = history_for(screen)  # "previous run" in the legend: its longest
            screen.show_history(history, device="cpu")
            claim = screen.query_one(ClaimView)
            await pilot.pause(0.05)
            result = verdict(screen)
            claim.reset()  # no ✗→✓ from the synthetic history's own verdict
            claim.set_result(result, "en")
            screen.layout_charts()
            await settled(pilot, screen)
            where = f"{lesson.id} at {size}"
            # the summary line is always on screen, and every check has its mark
            text = shown(claim)
            held = f"{len(result.checks) - 1}/{len(result.checks)}"
            assert claim.region.bottom <= size[1] and text.splitlines()[0].strip(), where
            if claim.short:
                assert held in text.splitlines()[0] and "m:" in text.splitlines()[0], where
                assert text.count("✓") + text.count("✗") == len(result.checks), (where, text)
            charts = [c for c in screen.query(MetricChart) if c.display]
            assert charts and all(c.region.bottom <= size[1] - 2 for c in charts), where
            least = PLOT_ROWS[size] if len(charts) > 1 else ALONE_ROWS[size]
            for chart in charts:
                # every kind: the area it plots in; a line chart (drawn here): its box, counted
                assert chart.plot.region.height - AXES >= least, (where, chart.spec.id)
                if chart.spec.kind is ChartKind.LINE:
                    assert plot_rows(chart) >= least, (where, chart.spec.id, chart.picture)
            # m: every check whole, without "…"
            await pilot.press("m")
            await settled(pilot, screen)
            whole = " ".join(shown(claim).split())
            for check in result.checks:
                assert " ".join(check.text.split()) in whole, (where, check.text, whole)
            assert "…" not in whole, where
            await pilot.press("escape")  # folds the claim; the lesson stays open
            await pilot.pause(0.05)
            assert app.screen is screen and not claim.expanded, where


async def test_m_shows_the_whole_claim_and_escape_folds_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 80x24 the 4 checks of `regularization` are cut; m shows them whole, Esc folds them."""
    monkeypatch.delenv("DLLAB_LESSONS", raising=False)
    app = make_app(lang="en", fps=20.0)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson("regularization")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        claim = screen.query_one(ClaimView)
        claim.set_result(verdict(screen), "en")
        await pilot.pause(0.1)
        text = shown(claim)
        assert claim.short and "3/4 hold · +1 ✓" in text, text
        # the summary, 3 checks a line each (the 4th as its mark in the summary), all cut
        assert claim.region.height == 4 and text.count("…") == 3, text
        await pilot.press("m")
        await pilot.pause(0.1)
        assert claim.expanded and not claim.short and "…" not in shown(claim)
        assert screen.focused is screen.query_one("#claim-box")
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is screen and claim.short and not claim.expanded
        await pilot.press("l")  # Chinese: the summary counts in Chinese too
        await pilot.pause(0.3)
        claim.set_result(verdict(screen), "zh")
        await pilot.pause(0.1)
        assert "3/4 项成立" in shown(claim), shown(claim)


def test_a_cut_check_ends_in_one_ellipsis_also_after_wide_characters() -> None:
    """Chinese characters take two cells: a cut on the second one left "单 …"."""
    assert cut_cells("保留全部单元", 9) == "保留全部…"
    assert cut_cells("保留全部单元", 12) == "保留全部单元"
    assert cut_cells("keeps all of them", 10) == "keeps all…"
    assert cut_cells("keeps all of them", 11) == "keeps all…"  # no "all …"
