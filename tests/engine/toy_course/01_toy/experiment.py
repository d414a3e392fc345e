"""A toy experiment: gradient descent on w² with optional noise, failures on request."""

import os
import signal
import time

import torch


def run(cfg):
    w = torch.tensor(cfg.w0)
    for step in range(cfg.steps):
        if step == cfg.fail_at:
            raise RuntimeError(f"boom at step {step}")
        if step == cfg.crash_at:
            os.kill(os.getpid(), signal.SIGSEGV)
        if cfg.step_sleep:
            time.sleep(cfg.step_sleep)
        w = w - cfg.lr * 2 * w
        loss = float(w * w)
        if cfg.noise:
            loss += 1e-3 * torch.rand(1).item()
        if cfg.nan_at >= 0 and step >= cfg.nan_at:
            loss = float("nan")
        yield {"loss": loss, "w": float(w)}
