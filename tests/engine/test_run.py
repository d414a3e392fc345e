"""The engine: determinism, stop and pause, failures, NaN, child-process isolation."""

from __future__ import annotations

import json
import sys
import time

import pytest

from dllab.engine import ArmStatus, MetricPoint, Run, RunStatus, Subscriber
from tests.conftest import wait_until
from tests.engine.conftest import toy_config, toy_lesson


class Collect(Subscriber):
    """Records everything it receives."""

    def __init__(self) -> None:
        self.points: list[MetricPoint] = []
        self.events: list[str] = []

    def on_run_start(self, event):  # type: ignore[no-untyped-def]
        self.events.append("start")

    def on_metrics(self, points):  # type: ignore[no-untyped-def]
        self.points.extend(points)

    def on_arm_end(self, event):  # type: ignore[no-untyped-def]
        self.events.append(f"arm_end:{event.arm}:{event.status.value}")

    def on_run_end(self, event):  # type: ignore[no-untyped-def]
        self.events.append(f"end:{event.status.value}")


def curve(result_points: list[MetricPoint], arm: str) -> list[float]:
    return [p.value for p in result_points if p.arm == arm and p.name == "loss"]


def test_same_seed_same_curve_and_arms_have_their_own_rng() -> None:
    """Two runs of one config give identical curves; running one arm alone changes nothing."""
    a, b, alone = Collect(), Collect(), Collect()
    Run(toy_lesson(), toy_config(), [a]).start().wait(30)
    Run(toy_lesson(), toy_config(), [b]).start().wait(30)
    cfg = toy_config()
    cfg.arms = ["fast"]
    Run(toy_lesson(), cfg, [alone]).start().wait(30)
    assert curve(a.points, "slow") == curve(b.points, "slow")
    assert curve(a.points, "fast") == curve(b.points, "fast") == curve(alone.points, "fast")
    assert len(curve(a.points, "fast")) == 50


def test_different_seed_different_noise() -> None:
    """The seed drives the randomness."""
    a, b = Collect(), Collect()
    Run(toy_lesson(), toy_config(), [a]).start().wait(30)
    cfg = toy_config()
    cfg.seed = 1
    Run(toy_lesson(), cfg, [b]).start().wait(30)
    assert curve(a.points, "slow") != curve(b.points, "slow")


def test_events_arrive_in_order_and_claim_is_judged() -> None:
    sub = Collect()
    result = Run(toy_lesson(), toy_config(), [sub]).start().wait(30)
    assert result is not None and result.status is RunStatus.COMPLETED
    assert sub.events[0] == "start" and sub.events[-1] == "end:completed"
    assert result.claim is not None and result.claim["passed"] is True
    assert result.arms == {"slow": "completed", "fast": "completed"}
    assert set(result.summary) == {"slow", "fast"}


def test_stop_takes_effect_within_one_step() -> None:
    """With 50 ms steps, stop() ends the run after at most one more step per arm."""
    sub = Collect()
    run = Run(toy_lesson(), toy_config(["step_sleep=0.05"], steps=10_000), [sub]).start()
    wait_until(lambda: len(sub.points) >= 8, 30, "8 points")
    steps_at_stop = run.history.last_step()
    run.stop()
    result = run.wait(5)
    assert result is not None and result.status is RunStatus.STOPPED
    assert run.history.last_step() <= steps_at_stop + 1
    assert set(result.arms.values()) == {"stopped"}


def test_pause_holds_between_steps_and_resume_continues() -> None:
    run = Run(toy_lesson(), toy_config(["step_sleep=0.01"], steps=10_000)).start()
    wait_until(lambda: run.history.last_step() >= 3, 30, "step 3")
    run.pause()
    time.sleep(0.1)  # let the step in flight finish
    held = run.history.last_step()
    time.sleep(0.3)
    assert run.history.last_step() == held
    run.resume()
    wait_until(lambda: run.history.last_step() > held, 30, "a step after resume")
    run.stop()
    assert run.wait(5) is not None


def test_a_run_that_raises_fails_with_a_message() -> None:
    sub = Collect()
    result = Run(toy_lesson(), toy_config(["fail_at=7"]), [sub]).start().wait(30)
    assert result is not None and result.status is RunStatus.FAILED
    assert "RuntimeError: boom at step 7" in result.message and "arm slow" in result.message
    assert result.claim is not None and result.claim["passed"] is False
    assert "end:failed" in sub.events


def test_nan_ends_the_arm_as_diverged_and_others_go_on() -> None:
    cfg = toy_config(["fast.nan_at=5"])
    result = Run(toy_lesson(), cfg).start().wait(30)
    assert result is not None and result.status is RunStatus.COMPLETED
    assert result.arms == {"slow": ArmStatus.COMPLETED.value, "fast": ArmStatus.DIVERGED.value}
    assert result.summary["fast"]["loss"] is None  # NaN is reported as null
    assert result.summary["slow"]["loss"] is not None


def test_child_process_run_streams_the_same_curve() -> None:
    """isolate=True trains in a child process; the points equal the in-thread run's."""
    a, b = Collect(), Collect()
    Run(toy_lesson(), toy_config(), [a]).start().wait(30)
    result = Run(toy_lesson(), toy_config(), [b], isolate=True).start().wait(60)
    assert result is not None and result.status is RunStatus.COMPLETED
    assert curve(a.points, "fast") == curve(b.points, "fast")
    assert result.claim is not None and result.claim["passed"]


@pytest.mark.slow
def test_child_segfault_ends_the_run_not_the_program() -> None:
    result = Run(toy_lesson(), toy_config(["crash_at=3"]), isolate=True).start().wait(60)
    assert result is not None and result.status is RunStatus.FAILED
    assert "SIGSEGV" in result.message


@pytest.mark.slow
def test_child_exception_and_stop() -> None:
    result = Run(toy_lesson(), toy_config(["fail_at=2"]), isolate=True).start().wait(60)
    assert (
        result is not None
        and result.status is RunStatus.FAILED
        and "boom at step 2" in result.message
    )
    run = Run(toy_lesson(), toy_config(["step_sleep=0.02"], steps=100_000), isolate=True).start()
    wait_until(lambda: run.history.last_step() >= 2, 60, "step 2 in the child")
    run.stop()
    stopped = run.wait(30)
    assert stopped is not None and stopped.status is RunStatus.STOPPED
    assert set(stopped.arms.values()) == {"stopped"}
    assert run._proc is not None and run._proc.poll() is not None, "the child is gone"


@pytest.mark.slow
def test_child_prints_cannot_corrupt_the_event_stream(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An experiment that prints (even at C level through os.write) still streams clean events."""
    import shutil

    from tests.engine.conftest import TOY

    course = tmp_path / "course"
    shutil.copytree(TOY, course)
    exp = course / "01_toy" / "experiment.py"
    exp.write_text(
        exp.read_text().replace(
            "        yield {",
            "        os.write(1, b'{not json from C}\\n'); print('hello')\n        yield {",
        )
    )
    from dllab.curriculum.loader import load_course

    lesson = load_course(course).lesson("toy")
    sub = Collect()
    result = Run(lesson, toy_config(), [sub], isolate=True).start().wait(60)
    assert result is not None and result.status is RunStatus.COMPLETED, result.message
    assert len(curve(sub.points, "fast")) == 50


def test_run_record_is_written(dllab_home) -> None:  # type: ignore[no-untyped-def]
    from dllab.engine.records import list_runs, load_run

    run = Run(toy_lesson(), toy_config()).start()
    run.wait(30)
    record = load_run(run.run_id)
    assert record.status == "completed"
    assert record.meta["config"]["lesson"] == "toy"
    points = list(record.points())
    assert len(points) == 2 * 50 * 2  # arms x steps x metrics
    assert [r.run_id for r in list_runs("toy")] == [run.run_id]
    assert json.loads((record.dir / "result.json").read_text())["status"] == "completed"
    assert (record.dir / "run.log").read_text().startswith("started on cpu")


def test_engine_never_imports_textual() -> None:
    import subprocess

    code = "import dllab.engine, dllab.engine.loop, dllab.engine.child, sys; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_seed_torch_cannot_take_fails_the_run_with_a_message() -> None:
    """The lab's seed field accepts any integer: the engine still ends cleanly, not with an internal error."""
    cfg = toy_config()
    cfg.seed = 2**70
    result = Run(toy_lesson(), cfg).start().wait(30)
    assert result is not None and result.status is RunStatus.FAILED
    assert "seed" in result.message and "out of range" in result.message
    assert "internal error" not in result.message


def test_a_bad_yield_fails_the_run_with_a_message(course_copy) -> None:  # type: ignore[no-untyped-def]
    """Yielding a non-dict or a non-number is the experiment's bug: a failed run, not an internal error."""
    from dllab.curriculum.loader import load_course

    exp = course_copy / "01_toy" / "experiment.py"
    source = exp.read_text()
    for bad, words in (("yield None", "NoneType"), ('yield {"loss": "low"}', "must be a number")):
        exp.write_text(source.replace('yield {"loss": loss, "w": float(w)}', bad))
        lesson = load_course(course_copy).lesson("toy")
        result = Run(lesson, toy_config()).start().wait(30)
        assert result is not None and result.status is RunStatus.FAILED
        assert words in result.message and "internal error" not in result.message
