"""gpu-device-async: a device mismatch is refused naming both devices; on a CPU no-sync time = sync time."""

from __future__ import annotations

import importlib.util
import math

import pytest
import torch

from dllab.curriculum.loader import load_course
from dllab.engine import Run, default_config
from tests.lessons.conftest import claim_values, run_lesson

pytestmark = pytest.mark.slow

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only behaviour")


def series(run, arm: str, metric: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [v for _, v in run.history.series(arm, metric).recent()]


@no_cuda
@pytest.mark.parametrize("seed", [0, 1])
def test_default_run_on_cpu(seed: int) -> None:
    """Both arms on the CPU: the mismatch is refused and Python waited > 98% of every step."""
    result, run = run_lesson("gpu-device-async", seed=seed)
    assert result.claim and result.claim["passed"], result.claim
    assert len(result.claim["details"]) == 3  # the three when="cuda" checks are left out
    values = claim_values(result)
    assert values["last(here.mismatch)"] == 1 and values["last(cpu.mismatch)"] == 1
    for arm in ("here", "cpu"):
        assert series(run, arm, "log2_batch") == [float(k) for k in range(4, 13)]  # 16 .. 4096
        assert min(series(run, arm, "nosync_share")) > 0.98
        assert all(math.isfinite(v) and v > 2.0 for v in series(run, arm, "loss"))  # ~ln 10
        sync, nosync = series(run, arm, "ms_sync"), series(run, arm, "ms_nosync")
        assert all(s >= n > 0 for s, n in zip(sync, nosync, strict=True))


@no_cuda
def test_small_cheap_setting_keeps_the_contrast() -> None:
    """width=32, reps=1, warmup=0: the CPU still finishes every call before returning."""
    result, run = run_lesson("gpu-device-async", ["width=32", "reps=1", "warmup=0"])
    assert result.claim and result.claim["passed"], result.claim
    assert min(series(run, "here", "nosync_share")) > 0.98


@no_cuda
def test_mismatch_uses_meta_and_names_both_devices() -> None:
    lesson = load_course().lesson("gpu-device-async")
    spec = importlib.util.spec_from_file_location("gda_experiment", lesson.experiment_path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = torch.nn.Linear(module.IN, 3)
    assert module._mismatch(model, torch.device("cpu")) == 1.0
    with pytest.raises(RuntimeError, match="cpu is not on the expected device meta"):
        model(torch.zeros(2, module.IN, device="meta"))


def test_cuda_checks_are_marked() -> None:
    lesson = load_course().lesson("gpu-device-async")
    whens = [c.when for c in lesson.claims]
    assert whens.count("cuda") == 3 and whens.count("cpu") == 1
    assert lesson.device == "cuda-preferred"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the timing claims need CUDA")
def test_cuda_claims() -> None:
    """On CUDA: every check applies; the device-mismatch message is CUDA's."""
    lesson = load_course().lesson("gpu-device-async")
    config = default_config(lesson)
    config.device = "cuda"
    run = Run(lesson, config).start()
    result = run.wait(timeout=600)
    assert result is not None and result.status.value == "completed", result
    # 2 checks for any device + 3 for CUDA; the when="cpu" one is left out
    assert result.claim and len(result.claim["details"]) == 5
    assert result.claim["passed"], result.claim
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        torch.nn.Linear(4, 3).cuda()(torch.zeros(2, 4))
