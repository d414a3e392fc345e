"""The child's instrumentation, in-process: what it measures and that it leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.modules.module as module_hooks
from torch import nn

from dllab.diagnose._instrument import Instrumentation
from dllab.diagnose._recorder import Recorder, StopDiagnose


def train(zero_grad: bool, steps: int = 4) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        loss = nn.functional.cross_entropy(model(torch.randn(16, 4)), torch.randint(0, 3, (16,)))
        loss.backward()
        opt.step()


def instrumented(tmp_path: Path, fn: object, max_steps: int = 100) -> dict[str, object]:
    rec = Recorder(__file__, max_steps, str(tmp_path / "obs.json"))
    inst = Instrumentation(rec)
    inst.install()
    try:
        fn()  # type: ignore[operator]
    finally:
        inst.uninstall()
    rec.flush(partial=False)
    return json.loads((tmp_path / "obs.json").read_text())


def test_measures_a_clean_loop(tmp_path: Path) -> None:
    obs = instrumented(tmp_path, lambda: train(zero_grad=True))
    assert obs["steps"] == 4 and obs["backwards"] == 4
    assert obs["zero_grad"] == {"checked": 3, "stale": 0, "first_stale_step": None}
    assert set(obs["grad_norms"]["Sequential"]) == {"0", "2"}
    [site] = obs["losses"]
    assert site["fn"] == "cross_entropy" and site["line"] > 0 and site["prob_rows"] == 0
    assert obs["models"][0]["layers"] == ["0", "2"]


def test_sees_gradients_that_are_never_zeroed(tmp_path: Path) -> None:
    obs = instrumented(tmp_path, lambda: train(zero_grad=False))
    assert obs["zero_grad"]["stale"] == 3


def test_max_steps_raises_and_everything_is_removed(tmp_path: Path) -> None:
    zero_grad = torch.optim.Optimizer.zero_grad
    clip = torch.nn.utils.clip_grad_norm_
    call = nn.Module.__call__
    enter = torch.autograd.profiler.record_function.__enter__
    losses = (nn.functional.cross_entropy, nn.functional.relu, torch.relu, torch.Tensor.backward)
    own = set(vars(torch.Tensor))
    with pytest.raises(StopDiagnose):
        instrumented(tmp_path, lambda: train(zero_grad=True, steps=10), max_steps=2)
    assert not module_hooks._global_forward_hooks and not module_hooks._global_forward_pre_hooks
    assert torch.optim.Optimizer.zero_grad is zero_grad
    assert torch.nn.utils.clip_grad_norm_ is clip
    assert nn.Module.__call__ is call
    assert torch.autograd.profiler.record_function.__enter__ is enter
    assert (
        nn.functional.cross_entropy,
        nn.functional.relu,
        torch.relu,
        torch.Tensor.backward,
    ) == losses
    assert set(vars(torch.Tensor)) == own  # `__add__` and the like inherited from TensorBase again
    assert not torch.overrides._is_torch_function_mode_enabled()


class _Raiser(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.raise_: type[BaseException] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.raise_ is not None:
            raise self.raise_("stop")
        return x


class _Interruptible(nn.Module):
    """A model whose inner layer raises what it is told to, two forwards deep (`KeyboardInterrupt` ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = _Raiser()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.gate(x))


@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit, GeneratorExit, ValueError])
def test_a_forward_that_raises_leaves_the_model_nesting_right(
    tmp_path: Path, raised: type[BaseException]
) -> None:
    """A `KeyboardInterrupt` (or any other exception) caught by the script must not leave later
    forwards counted as nested in the one it interrupted."""

    def script() -> None:
        torch.manual_seed(0)
        first = _Interruptible()
        opt = torch.optim.SGD(first.parameters(), lr=0.1)
        first.gate.raise_ = raised
        interrupted = False
        try:
            first(torch.randn(8, 4))
        except raised:  # e.g. Ctrl-C caught to save a checkpoint, then the script goes on
            interrupted = True
        assert interrupted
        first.gate.raise_ = None
        second = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 3))
        opt2 = torch.optim.SGD(second.parameters(), lr=0.1)
        for model, o in ((first, opt), (second, opt2)) * 2:
            o.zero_grad()
            nn.functional.cross_entropy(
                model(torch.randn(8, 4)), torch.randint(0, 3, (8,))
            ).backward()
            o.step()
        first.eval()  # training on in eval mode: missing-train must see these steps
        for _ in range(2):
            opt.zero_grad()
            nn.functional.cross_entropy(
                first(torch.randn(8, 4)), torch.randint(0, 3, (8,))
            ).backward()
            opt.step()

    obs = instrumented(tmp_path, script)
    calls = {m["name"]: m["calls"] for m in obs["models"]}  # type: ignore[attr-defined]
    assert calls == {"_Interruptible": 5, "Sequential": 2}
    assert obs["counters"]["steps_after_eval_mode"] == 2  # type: ignore[index]


class Tagged(torch.Tensor):
    """A tensor subclass with its own `__torch_function__`: it counts the torch calls it sees."""

    calls = 0

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        cls.calls += 1
        return super().__torch_function__(func, types, args, kwargs or {})


def probes_on() -> bool:
    """Would a call reach the call probes (not inside diagnose's own `DisableTorchFunction`)?"""
    return not torch._C._is_torch_function_all_disabled()


def test_torch_leaf_modules_run_without_the_call_probes_and_user_code_keeps_them(
    tmp_path: Path,
) -> None:
    """nn.Linear/nn.ReLU forwards skip the call probes; the user's F.relu, losses and subclasses do not."""

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 8)
            self.act = nn.ReLU()
            self.out = nn.Linear(8, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(nn.functional.relu(self.act(self.fc(x))))

    seen: list[bool] = []
    probe = nn.Linear(4, 4)
    probe.register_forward_pre_hook(lambda m, a: seen.append(probes_on()))

    def run() -> None:
        torch.manual_seed(0)
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(
                model(torch.randn(16, 4)), torch.randint(0, 3, (16,))
            )
            loss.backward()
            opt.step()
        probe(torch.randn(2, 4))
        assert probes_on()  # back on after the leaf
        Tagged.calls = 0
        out = probe(torch.randn(2, 4).as_subclass(Tagged))
        assert type(out) is Tagged and Tagged.calls > 0  # a subclass input keeps its dispatch
        with pytest.raises(RuntimeError):
            probe(torch.randn(2, 5))  # a forward that raises leaves them on
        assert probes_on()
        stop = probe.register_forward_pre_hook(
            lambda m, a: (_ for _ in ()).throw(KeyboardInterrupt)
        )
        with pytest.raises(KeyboardInterrupt):  # no post hook for it: the next forward restores
            probe(torch.randn(2, 4))
        stop.remove()
        model(torch.randn(2, 4))
        assert probes_on()

    obs = instrumented(tmp_path, run)
    assert seen[0] is False  # they were off inside the plain call
    assert obs["steps"] == 3 and obs["backwards"] == 3
    assert [s["fn"] for s in obs["losses"]] == ["cross_entropy"]
    dead = obs["dead_units"]
    assert "act" in dead["Net"] and any(k.startswith("relu at line") for k in dead["functional"])


class _Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # the no_grad forward in training mode is seen here


def _sample_three_times() -> None:
    vae = _Decoder()
    with torch.no_grad():
        vae.decode(torch.randn(8, 2))  # caller 1
        vae.decode(torch.randn(8, 2))  # caller 2
        vae.decode(torch.randn(8, 2))  # caller 3


def test_a_no_grad_forward_in_training_mode_records_its_distinct_callers(tmp_path: Path) -> None:
    obs = instrumented(tmp_path, _sample_three_times)
    [site] = obs["sites"]["eval_in_train_mode"]  # type: ignore[index]
    lines = Path(__file__).read_text().splitlines()
    assert "the no_grad forward" in lines[site["line"] - 1]
    assert site["count"] == 3
    outer = [chain[0] for chain in site["callers"]]
    assert [lines[line - 1].split("# ")[-1] for _, line in outer] == [
        "caller 1",
        "caller 2",
        "caller 3",
    ]
