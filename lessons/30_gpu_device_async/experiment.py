"""Devices and asynchronous kernels: time one MLP training step across batch sizes, honestly.

Step k trains at batch size 16·2^k. Each step does `warmup` untimed training
iterations, waits for the device, then times `reps` iterations twice over one
clock, in TRIALS trials of which the middle one by `nosync_share` is kept: `ms_nosync` when Python gets control back after the last call, `ms_sync`
after `torch.cuda.synchronize()` has waited for every queued kernel (both per
iteration), and their ratio `nosync_share`. On a CPU every operation finishes before it returns, so the two
agree; on CUDA a call only enqueues a kernel, so `ms_nosync` measures the
launches and `ms_sync` the work.

Arm `here` runs on the run's device (`--device`, CUDA when there is one); arm
`cpu` always runs on the CPU, the baseline for the GPU's speed-up. On CUDA the
hidden width is multiplied by CUDA_FACTOR in both arms, so that the big batches
are matmul-bound. At step 0 each arm also feeds its model an input on another
device (CUDA or CPU when both exist, else PyTorch's "meta" device) and records
whether PyTorch refused with an error naming both devices.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread

IN, OUT = 64, 10
CUDA_FACTOR = 8
"""On a CUDA machine the width is this many times the knob, so the largest batches do real work."""
TRIALS = 3
"""Timings per batch size; the middle one by no-sync share is reported (see `_middle_trial`)."""


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _mismatch(model: nn.Module, device: torch.device) -> float:
    """1.0 when an input on another device is refused with a message naming both devices."""
    if device.type == "cuda":
        other = torch.device("cpu")
    elif torch.cuda.is_available():
        other = torch.device("cuda")
    else:
        other = torch.device("meta")  # the only second device a CPU-only torch has
    try:
        model(torch.zeros(2, IN, device=other))
    except RuntimeError as exc:
        text = str(exc)
        return float(device.type in text and other.type in text)
    return 0.0


def _middle_trial(
    train_step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    reps: int,
    device: torch.device,
) -> tuple[float, float, float, torch.Tensor]:
    """(start, returned, done, last loss) of the middle one of TRIALS timings, by no-sync share.

    On a shared machine anything can pause the process for microseconds at any moment, even
    between the two clock reads, where it shows as a wait that synchronize() did not cause
    (a 0.5 us gap is 4 us one time in a thousand here). The median of three trials is decided
    by no single disturbed one, and it leans neither way: on CUDA it is not the largest share.
    """
    trials = []
    for _ in range(TRIALS):
        _sync(device)
        start = time.perf_counter()
        for _ in range(reps):
            loss = train_step(x, y)
        returned = time.perf_counter()
        _sync(device)
        done = time.perf_counter()
        trials.append((start, returned, done, loss))
    trials.sort(key=lambda t: (t[1] - t[0]) / (t[2] - t[0]))
    return trials[len(trials) // 2]


def run(cfg) -> Iterator[dict[str, float]]:
    device = torch.device("cpu") if cfg.on == "cpu" else cfg.device
    cuda_here = torch.cuda.is_available()
    width = cfg.width * (CUDA_FACTOR if cuda_here else 1)
    layers: list[nn.Module] = [nn.Linear(IN, width), nn.ReLU()]
    for _ in range(cfg.depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(width, OUT)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(cfg.seed)

    def train_step(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss  # no .item() here: it would wait for the GPU (a hidden synchronize)

    # Without a GPU (a small shared CPU) one thread is fastest and steadiest; with one, the
    # CPU baseline keeps all of torch's threads so that the speed-up is not flattered.
    threads = contextlib.nullcontext() if cuda_here else single_thread()
    with threads:
        for step in range(cfg.steps):
            batch = 16 * 2**step
            x = torch.randn(batch, IN, generator=gen).to(device)
            y = torch.randint(0, OUT, (batch,), generator=gen).to(device)
            for _ in range(cfg.warmup):
                train_step(x, y)
            start, returned, done, loss = _middle_trial(train_step, x, y, cfg.reps, device)
            point = {
                "log2_batch": float(4 + step),
                "ms_nosync": (returned - start) * 1000 / cfg.reps,
                "ms_sync": (done - start) * 1000 / cfg.reps,
                "us_per_sample": (done - start) * 1e6 / cfg.reps / batch,
                # the share of the step's time that had passed when Python got control back
                "nosync_share": (returned - start) / (done - start),
                "loss": loss.item(),
            }
            if step == 0:
                point["mismatch"] = _mismatch(model, device)
            yield point
