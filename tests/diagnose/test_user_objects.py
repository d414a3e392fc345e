"""Diagnose leaves every user object as it was: models save, pickle, deep-copy and compile."""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from dllab.diagnose._instrument import Instrumentation
from dllab.diagnose._recorder import Recorder


class Custom(nn.Module):
    """A hand-written model with functional ReLU and dropout in its forward."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.dropout(torch.relu(self.fc(x)), 0.1, self.training)
        return self.out(h)


class Recurrent(nn.Module):
    """A recurrent encoder whose hidden state is passed by keyword."""

    def __init__(self, cell: type[nn.RNNBase]) -> None:
        super().__init__()
        self.rnn = cell(4, 8, batch_first=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x, hx=None)
        return self.head(out[:, -1])


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, batch_first=True)
        self.proj = nn.Linear(4, 8)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.proj(x)).mean(1))


MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "mlp": (lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), (16, 4)),
    "cnn": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 2)
        ),
        (16, 1, 8, 8),
    ),
    "lstm": (lambda: Recurrent(nn.LSTM), (16, 5, 4)),
    "gru": (lambda: Recurrent(nn.GRU), (16, 5, 4)),
    "rnn": (lambda: Recurrent(nn.RNN), (16, 5, 4)),
    "transformer": (Encoder, (16, 5, 4)),
    "batchnorm": (
        lambda: nn.Sequential(
            nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Dropout(0.1), nn.Linear(8, 2)
        ),
        (16, 4),
    ),
    "custom": (Custom, (16, 4)),
}


def hooks_of(model: nn.Module) -> int:
    """Every hook attached to the model's own modules (dllab must add none)."""
    kinds = (
        "_forward_hooks",
        "_forward_pre_hooks",
        "_backward_hooks",
        "_backward_pre_hooks",
        "_state_dict_hooks",
        "_load_state_dict_pre_hooks",
    )
    return sum(len(getattr(m, k)) for m in model.modules() for k in kinds)


def train_and_use(name: str) -> None:
    """What a user's script does with its model, under diagnose: every call must work."""
    torch.manual_seed(0)
    factory, shape = MODELS[name]
    model = factory()
    modules_before = len(list(model.named_modules()))
    hooks_before = hooks_of(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(torch.randn(*shape)), torch.randint(0, 2, (16,)))
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        model(torch.randn(*shape))
    assert hooks_of(model) == hooks_before
    assert len(list(model.named_modules())) == modules_before
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert isinstance(loaded, type(model))
    pickle.loads(pickle.dumps(model))
    twin = copy.deepcopy(model)
    twin.load_state_dict(model.state_dict())
    torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, io.BytesIO())
    copy.deepcopy(opt)
    # the profiler ranges still record
    with (
        torch.autograd.profiler.profile() as prof,
        torch.autograd.profiler.record_function("user-range"),
    ):
        model(torch.randn(*shape))
    assert any(e.name == "user-range" for e in prof.function_events)
    compiled = torch.compile(model, backend="eager")
    with torch.no_grad():
        x = torch.randn(*shape)
        assert torch.allclose(compiled(x), model(x), atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_stay_usable_under_diagnose(name: str, tmp_path: Path) -> None:
    rec = Recorder(__file__, 100, str(tmp_path / "obs.json"))
    inst = Instrumentation(rec)
    inst.install()
    try:
        train_and_use(name)
    finally:
        inst.uninstall()
    rec.flush(partial=False)
    assert rec.steps == 3  # the probes did watch the run


def test_the_measurements_need_no_hook_on_the_model(tmp_path: Path) -> None:
    """Dead units and hidden states are still seen without any hook on the model."""
    rec = Recorder(__file__, 100, str(tmp_path / "obs.json"))
    inst = Instrumentation(rec)
    inst.install()
    try:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(20):
            opt.zero_grad()
            out = model(torch.randn(32, 4))
            nn.functional.cross_entropy(out, torch.randint(0, 2, (32,))).backward()
            opt.step()
        lstm = nn.LSTM(4, 8, batch_first=True)
        out, hidden = lstm(torch.randn(2, 3, 4))
        out.sum().backward(retain_graph=True)
        lstm(torch.randn(2, 3, 4), hx=hidden)  # carried over a backward(), never detached
    finally:
        inst.uninstall()
    summary = rec.summary()
    assert summary["dead_units"]["Sequential"]["1"]["samples"] == 512  # one full window
    assert summary["sites"]["hidden_not_detached"][0]["module"] == "LSTM"


class _Functional(nn.Module):
    """A forward through every kind of function diagnose wraps: F.*, torch.* and Tensor methods."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = torch.add(nn.functional.relu(self.fc(x)), torch.relu(x).sum()) * 2
        h = nn.functional.dropout(h, 0.1, self.training) / 2 + h.relu()
        z = self.out(h)
        loss = nn.functional.cross_entropy(z, y) + nn.functional.log_softmax(z, dim=1).mean()
        return loss + torch.mul(nn.functional.relu6(z).mean(), 0.5)


def test_scripted_and_saved_models_under_diagnose(tmp_path: Path) -> None:
    """torch.jit.script compiles, saves and loads models whose forward calls wrapped functions."""
    rec = Recorder(__file__, 100, str(tmp_path / "obs.json"))
    inst = Instrumentation(rec)
    inst.install()
    try:
        torch.manual_seed(0)
        model = _Functional().eval()
        x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
        scripted = torch.jit.script(model)
        torch.jit.save(scripted, str(tmp_path / "m.pt"))
        loaded = torch.jit.load(str(tmp_path / "m.pt"))
        assert torch.allclose(loaded(x, y), model(x, y))
        layer = torch.jit.script(nn.TransformerEncoderLayer(8, 2, 16).eval())  # activation=F.relu
        assert layer(torch.randn(3, 1, 8)).shape == (3, 1, 8)
    finally:
        inst.uninstall()
    torch.manual_seed(1)
    after = _Functional().eval()  # and once diagnose is gone, as without it
    assert torch.allclose(torch.jit.script(after)(x, y), after(x, y))
