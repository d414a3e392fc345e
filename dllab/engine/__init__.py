"""The run engine: runs a lesson's experiment and streams its metrics. Never imports textual."""

from __future__ import annotations

from dllab.engine.config import ArmConfig, RunConfig, apply_settings, default_config
from dllab.engine.events import (
    ArmEnded,
    ArmStatus,
    MetricPoint,
    RunEnded,
    RunStarted,
    RunStatus,
    Subscriber,
)
from dllab.engine.history import RunHistory, SeriesHistory
from dllab.engine.run import Run

__all__ = [
    "ArmConfig",
    "ArmEnded",
    "ArmStatus",
    "MetricPoint",
    "Run",
    "RunConfig",
    "RunEnded",
    "RunHistory",
    "RunStarted",
    "RunStatus",
    "SeriesHistory",
    "Subscriber",
    "apply_settings",
    "default_config",
]
