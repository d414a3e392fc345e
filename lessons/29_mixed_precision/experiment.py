"""Mixed precision: the same MLP trained in fp32, under bf16/fp16 autocast, and fp16 + GradScaler.

A fixed synthetic regression task (a random tanh "teacher" net, the same for every
arm and seed) is fitted by a tanh MLP with Adam. The loss is `loss_weight` times
the sum of squared errors over the batch, so the gradient reaching each output is
2·loss_weight·error: at the default 1e-9 it lies below fp16's smallest
subnormal (5.96e-8) and rounds to zero, while bf16 (fp32's exponent range) and
fp32 keep it. Adam divides by the gradients' RMS, so the overall size of the loss
does not change an fp32 run much; only the format decides what survives.

Autocast (`torch.amp.autocast(device, dtype)`) runs the Linear layers in 16 bits
while the weights Adam updates stay fp32. `torch.amp.GradScaler(device)` multiplies
the loss by `init_scale` before backward and divides the gradients back
(`unscale_`) before the step, so small gradients live in fp16's range on the way.

Each step records, measured on this step: the unweighted loss, the fraction of
weight-gradient entries that are exactly zero (after unscaling), the scaler's
scale and how many steps it skipped (inf/NaN found), the bytes autograd saved for
backward (saved_tensors_hooks: the activations a 16-bit forward stores in half
the bytes), the step's time in ms (with torch.cuda.synchronize() on CUDA) and, on
CUDA only, the step's peak memory above its start. On CUDA the net is 32x wider
and the batch 32x larger, so that matmuls, not Python, dominate the time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import torch
from torch import nn

from dllab.lessonkit.cpu import single_thread

DATA_SEED = 4321  # the teacher and the inputs do not depend on the run's seed knob
IN, OUT = 32, 8
CUDA_FACTOR = 32
"""On CUDA, width and batch are multiplied by this (small matmuls time only the launches)."""
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def _net(width: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    fan_in = IN
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.Tanh()]
        fan_in = width
    layers.append(nn.Linear(fan_in, OUT))
    return nn.Sequential(*layers)


def _data(batch: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(DATA_SEED)
    x = torch.randn(batch, IN, generator=gen)
    teacher_in = torch.randn(IN, 16, generator=gen) / IN**0.5
    teacher_out = torch.randn(16, OUT, generator=gen)
    y = torch.tanh(x @ teacher_in) @ teacher_out
    return x.to(device), y.to(device)


def run(cfg) -> Iterator[dict[str, float]]:
    device: torch.device = cfg.device
    cuda = device.type == "cuda"
    factor = CUDA_FACTOR if cuda else 1
    width, batch = cfg.width * factor, cfg.batch * factor
    x, y = _data(batch, device)
    torch.manual_seed(cfg.seed)
    model = _net(width, cfg.depth).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    dtype = DTYPES[cfg.precision]
    use_autocast = dtype is not torch.float32
    # enabled=False makes the scaler a pass-through: scale() returns the loss, get_scale() 1.0
    scaler = torch.amp.GradScaler(
        device.type, init_scale=cfg.init_scale, enabled=cfg.scaler and dtype is torch.float16
    )
    weights = [p for p in model.parameters()]
    saved = [0]

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved[0] += t.numel() * t.element_size()
        return t

    skipped = 0
    with single_thread():  # small tensors on CPU: one thread is faster on a busy machine
        for _ in range(cfg.steps):
            scale_used = scaler.get_scale()  # read before the clock: it waits for the GPU
            if cuda:
                torch.cuda.synchronize(device)
                torch.cuda.reset_peak_memory_stats(device)
                base = torch.cuda.memory_allocated(device)
            start = time.perf_counter()
            saved[0] = 0
            opt.zero_grad(set_to_none=True)
            with (
                torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t),
                torch.amp.autocast(device.type, dtype=dtype, enabled=use_autocast),
            ):
                out = model(x)
                # the sum of squares in fp32 (autocast runs reductions in fp32 anyway)
                sse = (out.float() - y).pow(2).sum()
            scaler.scale(sse * cfg.loss_weight).backward()
            scaler.unscale_(opt)  # the gradients Adam sees, as true (unscaled) values
            scaler.step(opt)  # skips the step when unscale_ found inf/NaN
            scaler.update()
            if cuda:
                torch.cuda.synchronize(device)
            ms = (time.perf_counter() - start) * 1000
            # counted after the clock (each count waits for the device); the step leaves .grad as is
            grads = [p.grad for p in weights if p.grad is not None]
            total = sum(g.numel() for g in grads)
            zeros = sum(int((g == 0).sum()) for g in grads)
            if scaler.is_enabled() and scaler.get_scale() < scale_used:
                skipped += 1
            point = {
                "loss": sse.item() / (batch * OUT),
                "zero_frac": zeros / total,
                "scale": scale_used,
                "skipped": float(skipped),
                "saved_mb": saved[0] / 2**20,
                "ms": ms,
            }
            if cuda:
                point["peak_mb"] = (torch.cuda.max_memory_allocated(device) - base) / 2**20
            yield point
