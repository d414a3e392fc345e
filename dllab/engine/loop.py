"""The training loop every lesson runs in: arms stepped side by side.

An experiment is a generator, `run(cfg)`, that yields one dict of metrics per
step. The loop steps the arms round-robin so their curves grow together, gives
each arm its own RNG stream (same seed, so the arms differ only by their
knobs), checks stop and pause between steps, ends an arm whose loss turns
NaN/inf, and turns an exception into a failed run with a message. It imports
torch (it runs the training) but never textual.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dllab.curriculum.experiment import load_experiment
from dllab.engine.config import ArmConfig, RunConfig, arm_values
from dllab.engine.events import ArmEnded, ArmStatus, MetricPoint, RunStatus

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson


class Emitter(Protocol):
    """Where the loop sends what happens (a dispatcher in-process, a pipe in a child)."""

    def started(self, device: str) -> None: ...
    def metrics(self, points: list[MetricPoint]) -> None: ...
    def arm_ended(self, event: ArmEnded) -> None: ...
    def log(self, text: str) -> None: ...


@dataclass
class RunControl:
    """Stop and pause flags shared between the loop and whoever controls it."""

    stop_requested: threading.Event = field(default_factory=threading.Event)
    paused: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Ask the loop to stop after the current step."""
        self.stop_requested.set()
        self.paused.clear()

    def wait_while_paused(self) -> None:
        """Block between steps while paused (returns at once when stopping)."""
        while self.paused.is_set() and not self.stop_requested.is_set():
            time.sleep(0.02)


def _to_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}") from None


@dataclass
class _ArmState:
    name: str
    gen: Iterator[dict[str, Any]]
    rng: Any
    cuda_rng: Any = None
    step: int = 0
    status: ArmStatus = ArmStatus.RUNNING


def train(
    lesson: Lesson, config: RunConfig, run_id: str, emit: Emitter, control: RunControl
) -> tuple[RunStatus, str]:
    """Run every arm of one config to the end; return the run's status and message.

    Never raises for a failure of the experiment: that becomes RunStatus.FAILED.
    """
    import torch

    from dllab.engine.device import describe_device, resolve_device

    config.validate()
    device = resolve_device(config.device)
    experiment = load_experiment(lesson)
    emit.started(describe_device(device))
    on_cuda = device.type == "cuda"
    arms: list[_ArmState] = []
    for name in config.arms or list(lesson.arms):
        torch.manual_seed(config.seed)
        cfg = ArmConfig(
            arm_values(lesson, config, name),
            arm=name,
            steps=config.steps,
            seed=config.seed,
            device=device,
        )
        arms.append(
            _ArmState(
                name,
                experiment(cfg),
                torch.get_rng_state(),
                torch.cuda.get_rng_state(device) if on_cuda else None,
            )
        )

    def finish(arm: _ArmState, status: ArmStatus, message: str = "") -> None:
        arm.status = status
        close = getattr(arm.gen, "close", None)
        if close is not None:
            try:
                close()
            except Exception as exc:  # a generator's cleanup failing must not hide the result
                emit.log(f"arm {arm.name}: error while closing: {exc}")
        emit.arm_ended(ArmEnded(run_id, arm.name, status, arm.step, message))

    active = list(arms)
    while active:
        if control.stop_requested.is_set():
            for arm in active:
                finish(arm, ArmStatus.STOPPED)
            return RunStatus.STOPPED, "stopped by request"
        control.wait_while_paused()
        for arm in list(active):
            torch.set_rng_state(arm.rng)
            if on_cuda:
                torch.cuda.set_rng_state(arm.cuda_rng, device)
            try:
                metrics = next(arm.gen)
                # a non-dict yield or a non-numeric value is the experiment's bug too
                step = int(metrics.pop("step", arm.step))
                points = [
                    MetricPoint(run_id, arm.name, step, k, _to_float(k, v))
                    for k, v in metrics.items()
                ]
            except StopIteration:
                active.remove(arm)
                finish(arm, ArmStatus.COMPLETED)
                continue
            except Exception as exc:
                message = _failure_message(arm.name, arm.step, exc)
                emit.log(message + "\n" + "".join(traceback.format_exception(exc)))
                for other in active:
                    finish(
                        other,
                        ArmStatus.FAILED if other is arm else ArmStatus.STOPPED,
                        message if other is arm else "",
                    )
                return RunStatus.FAILED, message
            arm.rng = torch.get_rng_state()
            if on_cuda:
                arm.cuda_rng = torch.cuda.get_rng_state(device)
            emit.metrics(points)
            arm.step += 1
            bad = [p for p in points if p.name in lesson.diverge_on and not math.isfinite(p.value)]
            if bad:
                active.remove(arm)
                finish(
                    arm, ArmStatus.DIVERGED, f"{bad[0].name} became {bad[0].value} at step {step}"
                )
            elif arm.step >= config.steps:
                active.remove(arm)
                finish(arm, ArmStatus.COMPLETED)
    return RunStatus.COMPLETED, ""


def _failure_message(arm: str, step: int, exc: BaseException) -> str:
    text = f"arm {arm}, step {step}: {type(exc).__name__}: {exc}"
    if "out of memory" in str(exc).lower():
        text += (
            " (the GPU ran out of memory: lower the batch size or model width, or use --device cpu)"
        )
    return text
