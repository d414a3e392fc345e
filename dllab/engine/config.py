"""A run's configuration: knob values (shared and per arm), steps, seed, device.

The config is plain data (JSON-serialisable) so it can be written to the run
record, sent to a child process and replayed: the same config gives the same
curves on CPU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dllab.errors import ConfigError

if TYPE_CHECKING:
    from dllab.curriculum.model import Lesson

SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1
"""What `torch.manual_seed` accepts."""


@dataclass
class RunConfig:
    """What to run: a lesson, its knob values, steps, seed and device."""

    lesson: str
    knobs: dict[str, Any]
    """Shared knob values (defaults plus the user's changes)."""
    arm_knobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-arm changes on top of the arm's own settings (`--set relu.lr=0.1`)."""
    arms: list[str] = field(default_factory=list)
    """Which arms run (all by default)."""
    steps: int = 100
    seed: int = 0
    device: str = "auto"
    predictions: dict[str, float] = field(default_factory=dict)
    """The learner's guesses, by prediction id (judged when the run ends)."""

    def validate(self) -> RunConfig:
        """Check steps and seed (knob values are checked when set); returns self.

        Raises:
            ConfigError: steps below 1, or a seed torch cannot take.
        """
        if self.steps < 1:
            raise ConfigError(f"steps must be at least 1, got {self.steps}")
        if not SEED_MIN <= self.seed <= SEED_MAX:
            raise ConfigError(f"seed {self.seed} is out of range [{SEED_MIN}, {SEED_MAX}]")
        return self

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return {
            "lesson": self.lesson,
            "knobs": dict(self.knobs),
            "arm_knobs": {k: dict(v) for k, v in self.arm_knobs.items()},
            "arms": list(self.arms),
            "steps": self.steps,
            "seed": self.seed,
            "device": self.device,
            "predictions": dict(self.predictions),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunConfig:
        """Inverse of `to_json`."""
        return cls(
            lesson=data["lesson"],
            knobs=dict(data["knobs"]),
            arm_knobs={k: dict(v) for k, v in data.get("arm_knobs", {}).items()},
            arms=list(data.get("arms", [])),
            steps=int(data["steps"]),
            seed=int(data["seed"]),
            device=str(data.get("device", "auto")),
            predictions={k: float(v) for k, v in data.get("predictions", {}).items()},
        )


def default_config(lesson: Lesson) -> RunConfig:
    """The lesson's default run."""
    return RunConfig(
        lesson=lesson.id,
        knobs={name: knob.default for name, knob in lesson.knobs.items()},
        arms=list(lesson.arms),
        steps=lesson.steps,
        seed=lesson.seed,
    )


def apply_settings(lesson: Lesson, config: RunConfig, settings: Iterable[str]) -> RunConfig:
    """Apply `KNOB=VALUE` or `ARM.KNOB=VALUE` strings to a config.

    Raises:
        ConfigError: unknown knob or arm, or a value of the wrong type or out of range.
    """
    shared: list[str] = []
    for item in settings:
        if "=" not in item:
            raise ConfigError(f"--set takes KNOB=VALUE (or ARM.KNOB=VALUE), got {item!r}")
        key, value = (s.strip() for s in item.split("=", 1))
        arm, _, name = key.rpartition(".")
        if name not in lesson.knobs:
            known = ", ".join(lesson.knobs) or "none"
            raise ConfigError(f"lesson {lesson.id!r} has no knob {name!r} (knobs: {known})")
        if arm and arm not in lesson.arms:
            raise ConfigError(
                f"lesson {lesson.id!r} has no arm {arm!r} (arms: {', '.join(lesson.arms)})"
            )
        try:
            coerced = lesson.knobs[name].coerce(value)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if arm:
            config.arm_knobs.setdefault(arm, {})[name] = coerced
        else:
            config.knobs[name] = coerced
            shared.append(name)
    for name in shared:  # after all settings: `k=v a.k=w` for every fixing arm `a` is fine
        _check_reaches_arms(lesson, config, name, config.knobs[name])
    return config


def _check_reaches_arms(lesson: Lesson, config: RunConfig, name: str, value: Any) -> None:
    """A shared setting must not be silently dropped by arms that fix the knob otherwise.

    An arm's own settings win over shared knobs (that is what makes the arms
    differ), so `--set loss=mse` cannot reach an arm that fixes `loss=bce`:
    say so and name the per-arm spelling instead of running something else.

    Raises:
        ConfigError: naming each such arm's value and suggesting `ARM.KNOB=`.
    """
    running = config.arms or list(lesson.arms)
    fixed = {}
    for arm in running:
        own = lesson.arms[arm].settings
        if name in own and name not in config.arm_knobs.get(arm, {}) and own[name] != value:
            fixed[arm] = own[name]
    if fixed:
        values = ", ".join(f"{arm} runs {name}={v}" for arm, v in fixed.items())
        first = next(iter(fixed))
        raise ConfigError(
            f"{name}={value} would not reach the arm(s) that fix {name!r} ({values}); "
            f"set it per arm with ARM.{name}=VALUE, e.g. --set {first}.{name}={value}"
        )


def arm_values(lesson: Lesson, config: RunConfig, arm: str) -> dict[str, Any]:
    """The knob values one arm runs with: shared knobs, then the arm's settings, then per-arm changes."""
    values = dict(config.knobs)
    values.update(lesson.arms[arm].settings)
    values.update(config.arm_knobs.get(arm, {}))
    return values


class ArmConfig:
    """What an experiment's `run(cfg)` receives: knob values as attributes.

    Besides the knobs it has `arm`, `steps`, `seed` and `device` (a torch.device).
    """

    def __init__(
        self, values: Mapping[str, Any], *, arm: str, steps: int, seed: int, device: Any
    ) -> None:
        self._values = dict(values)
        self.arm = arm
        """The arm's name."""
        self.steps = steps
        """How many steps (yields) the experiment should run."""
        self.seed = seed
        self.device = device
        """A torch.device."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"the lesson has no knob {name!r}") from None

    def as_dict(self) -> dict[str, Any]:
        """The knob values."""
        return dict(self._values)

    def __repr__(self) -> str:
        return f"ArmConfig(arm={self.arm!r}, steps={self.steps}, {self._values})"
