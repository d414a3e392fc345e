"""Turn a device string into a torch.device, or a clear error."""

from __future__ import annotations

import re
from typing import Any

from dllab.errors import DeviceError

_SPEC = re.compile(r"^(auto|cpu|cuda(?::\d+)?|mps)$")


def check_device_spec(spec: str) -> str:
    """Validate the spelling of a device without importing torch."""
    spec = spec.strip().lower()
    if not _SPEC.match(spec):
        raise DeviceError(f"unknown device {spec!r}: use auto, cpu, cuda or cuda:N")
    return spec


def resolve_device(spec: str) -> Any:
    """`auto` → CUDA if available, else CPU; `cuda`/`cuda:N` only if that GPU exists.

    Raises:
        DeviceError: the device is not available here.
    """
    import torch

    spec = check_device_spec(spec)
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise DeviceError("device 'mps' requested but this torch has no MPS support here")
        return torch.device("mps")
    if not torch.cuda.is_available():
        build = (
            "a CPU-only build"
            if torch.version.cuda is None
            else f"built for CUDA {torch.version.cuda}, but no GPU is visible"
        )
        raise DeviceError(
            f"device {spec!r} requested but CUDA is not available (torch {torch.__version__} is {build}); use --device cpu"
        )
    index = int(spec.split(":")[1]) if ":" in spec else 0
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(
            f"device {spec!r} requested but only {count} CUDA device(s) exist (cuda:0..cuda:{count - 1})"
        )
    return torch.device("cuda", index)


def describe_device(device: Any) -> str:
    """A short human name: 'cpu' or 'cuda:0 (NVIDIA H100)'."""
    if getattr(device, "type", "cpu") == "cuda":
        import torch

        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)
