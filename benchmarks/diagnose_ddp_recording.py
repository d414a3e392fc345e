"""Cost of the distributed recording alone (`dllab/diagnose/_ddp.py`), in one process.

Initializes a one-rank gloo process group, installs the diagnose probes and
trains a small DDP MLP (batch 64, a `DistributedSampler` with `set_epoch`)
for `--steps` steps, alternately with the distributed recording on and
switched off (everything else of the diagnosis stays on). Prints the medians
of the CPU time of each and their ratio, with the load average before and
after. The whole 2-rank job against `torchrun` alone is
`diagnose_ddp_overhead.py`.

    python benchmarks/diagnose_ddp_recording.py [--repeat 3] [--steps 3000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def train(steps: int) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    torch.manual_seed(0)
    data = TensorDataset(torch.randn(6400, 32), torch.randint(0, 4, (6400,)))
    sampler = DistributedSampler(data)
    loader = DataLoader(data, batch_size=64, sampler=sampler)
    net = nn.Sequential(
        nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 4)
    )
    model = nn.parallel.DistributedDataParallel(net)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    done = epoch = 0
    while done < steps:
        sampler.set_epoch(epoch)
        epoch += 1
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            done += 1
            if done >= steps:
                return


def timed(recording: bool, steps: int, out: str) -> float:
    from dllab.diagnose._instrument import Instrumentation
    from dllab.diagnose._recorder import Recorder

    rec = Recorder(__file__, None, out)
    if not recording:
        rec.ddp.active = lambda: False  # type: ignore[method-assign]
    instrumentation = Instrumentation(rec)
    instrumentation.install()
    start = time.process_time()
    try:
        train(steps)
    finally:
        instrumentation.uninstall()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), RANK="0", WORLD_SIZE="1"
    )
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    load_before = os.getloadavg()[0]
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for recording in (False, True):
                times[recording].append(timed(recording, args.steps, f"{tmp}/obs.json"))
    dist.destroy_process_group()
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"cpu s, {args.steps} steps: recording off {off:.2f}  on {on:.2f}  ratio {on / off:.3f}")
    print(
        f"all: off {[round(t, 2) for t in times[False]]}  on {[round(t, 2) for t in times[True]]}"
    )
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
