"""The GPU line of the status bar, without torch: the device name comes from the
run's child (its `start` event), memory and utilisation from NVML if `pynvml`
is installed. On CPU the lab simply says "CPU".
"""

from __future__ import annotations

import re
from typing import Any


def device_index(device: str) -> int:
    """`cuda:1 (NVIDIA H100)` -> 1 (0 when no index is given)."""
    match = re.match(r"cuda:(\d+)", device)
    return int(match.group(1)) if match else 0


def describe(device: str) -> str:
    """A short label: 'CPU', or the GPU's name as the child described it."""
    if not device or device.startswith("cpu"):
        return "CPU"
    if device.startswith("cuda"):
        name = device.split("(", 1)[1].rstrip(")") if "(" in device else device
        return f"GPU {name}"
    return device


def nvml_stats(index: int) -> str:
    """'mem 3.1/79.6 GiB · util 47%' through NVML, or '' if NVML is unavailable."""
    try:
        import pynvml
    except ImportError:
        return ""
    try:
        pynvml.nvmlInit()
        handle: Any = pynvml.nvmlDeviceGetHandleByIndex(index)
        mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
        util = pynvml.nvmlDeviceGetUtilizationRates(handle)
    except Exception:  # no driver, no such GPU, permissions: just show less
        return ""
    gib = 1024**3
    return f"mem {mem.used / gib:.1f}/{mem.total / gib:.1f} GiB · util {util.gpu}%"
