"""Rules on static evidence alone (no child process), the report's exit codes, JSON and rendering."""

from __future__ import annotations

import textwrap

from rich.console import Console

from dllab.diagnose.api import build_report
from dllab.diagnose.findings import Finding, Location, Severity
from dllab.diagnose.render import bar_chart, render
from dllab.diagnose.report import Report
from dllab.diagnose.runner import RunResult
from dllab.diagnose.static import Source


def static_report(code: str, observations: dict[str, object] | None = None) -> Report:
    """Findings when the run produced nothing (e.g. it crashed before the code ran)."""
    text = textwrap.dedent(code)
    obs = {
        "outcome": {"status": "script-error", "error": {"type": "RuntimeError", "message": "boom"}},
        **(observations or {}),
    }
    return build_report(
        "script.py", Source.parse("script.py", text), RunResult(observations=obs, returncode=0)
    )


def checks(report: Report) -> dict[str, tuple[str, int | None]]:
    return {f.check: (f.severity.value, f.location.line) for f in report.findings}


def test_inline_softmax_into_cross_entropy_is_an_error_without_a_run() -> None:
    report = static_report(
        """
        import torch.nn.functional as F
        def step(model, x, y):
            out = model(x)
            return F.cross_entropy(F.softmax(out, dim=1), y)
        """
    )
    assert checks(report)["double-softmax"] == ("error", 5)


def test_log_softmax_nll_and_printing_softmax_are_silent() -> None:
    report = static_report(
        """
        import torch.nn.functional as F
        def step(model, x, y):
            logp = F.log_softmax(model(x), dim=1)
            loss = F.nll_loss(logp, y)
            probs = F.softmax(model(x), dim=1)
            print(probs)
            return F.cross_entropy(model(x), y) + loss
        """
    )
    assert "double-softmax" not in checks(report)


def test_static_only_patterns_are_warnings_at_their_line() -> None:
    report = static_report(
        """
        import torch
        from torch import nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(4, 4) for _ in range(3)]
                self.drop = nn.Dropout(0.5)
            def forward(self, x):
                return nn.functional.softmax(x)
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        total = 0
        for x, y in data:
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            total += loss
        with torch.no_grad():
            print(model(val_x))
        """
    )
    found = checks(report)
    assert found["unregistered-modules"] == ("warning", 7)
    assert found["softmax-dim"] == ("warning", 10)
    assert found["missing-zero-grad"] == ("warning", 16)
    assert found["clip-after-step"] == ("warning", 18)
    assert found["loss-accumulation-graph"] == ("warning", 19)
    assert found["missing-eval"] == ("warning", 20)
    assert all(not f.confirmed for f in report.findings)


def test_deliberate_accumulation_and_no_grad_sums_are_silent() -> None:
    report = static_report(
        """
        import torch
        opt = torch.optim.SGD(params, lr=0.1)
        for i, (x, y) in enumerate(data):
            loss = crit(model(x), y) / 4
            loss.backward()
            if (i + 1) % 4 == 0:
                opt.step()
                opt.zero_grad()
        val = 0
        with torch.no_grad():
            for x, y in val_data:
                val += crit(model(x), y)
        """
    )
    assert report.findings == []


def test_hidden_state_carried_without_detach() -> None:
    code = textwrap.dedent(
        """
        h = None
        for x, y in batches:
            out, h = rnn(x, h)
            loss = crit(out, y)
            loss.backward()
            opt.step()
            opt.zero_grad()
        """
    )
    assert checks(static_report(code))["no-detach-hidden"] == ("warning", 4)
    fixed = code.replace(
        "out, h = rnn(x, h)", "h = h.detach() if h is not None else None\n    out, h = rnn(x, h)"
    )
    assert "no-detach-hidden" not in checks(static_report(fixed))


def test_exit_codes_follow_fail_on() -> None:
    warn = Finding(
        "overfitting", Severity.WARNING, "m", "e", Location("a.py", 3), "f", "overfitting", True
    )
    report = Report(script="a.py", status="completed", findings=[warn], steps_observed=5)
    assert report.exit_code("error") == 0
    assert report.exit_code("warning") == 1
    assert report.exit_code("info") == 1
    assert Report(script="a.py", status="crashed").exit_code() == 2
    assert Report(script="a.py", status="script-error", findings=[warn]).exit_code("warning") == 1
    doc = report.as_json()
    assert list(doc) == ["diagnosed", "findings", "script", "steps_observed", "status"]
    assert doc["findings"][0]["location"] == {"file": "a.py", "line": 3}


def test_render_groups_by_severity_with_charts() -> None:
    findings = [
        Finding(
            "dead-relu",
            Severity.WARNING,
            "Dead units.",
            "fc2: 71% of 128 units never fired over 6,400 samples",
            Location("t.py", 9),
            "Lower the LR.",
            "dead-relu",
            True,
        ),
        Finding(
            "double-softmax",
            Severity.ERROR,
            "Double softmax.",
            "all inputs were probabilities",
            Location("t.py", 4),
            "Return logits.",
            "logits-not-probabilities",
            True,
        ),
    ]
    report = Report(
        script="t.py",
        status="completed",
        findings=findings,
        steps_observed=12,
        grad_norms={"fc1": 1e-3, "fc2": 0.2},
        dead_fractions={"relu1": 0.71},
    )
    console = Console(record=True, width=110, color_system=None)
    render(report, console)
    text = console.export_text()
    assert text.index("Errors (1)") < text.index("Warnings (1)")
    assert "t.py:4" in text and "t.py:9" in text
    assert "fc2: 71% of 128 units never fired over 6,400 samples" in text
    assert "gradient norm per layer" in text and "dead-unit fraction" in text
    assert "dead-relu (lesson coming)" in text or "dllab run dead-relu" in text


def test_bar_chart_handles_zero_and_tiny_values() -> None:
    text = bar_chart("g", {"a": 0.0, "b": 1e-9, "c": 3.0}, log=True)
    assert "1e" in text


def dynamic_report(obs: dict[str, object]) -> Report:
    """Rules over fabricated child observations (exact thresholds, no child process)."""
    model = {
        "name": "Net",
        "class": "Net",
        "file": None,
        "line": None,
        "layers": ["a", "b", "c"],
        "children": [],
        "mode_modules": [],
    }
    full = {"outcome": {"status": "completed"}, "steps": 10, "models": [model], **obs}
    return build_report(
        "s.py", Source.parse("s.py", "x = 1\n"), RunResult(observations=full, returncode=0)
    )


def test_gradient_thresholds() -> None:
    vanishing = dynamic_report(
        {"grad_norms": {"Net": {"a": [1e-9] * 5, "b": [1e-4] * 5, "c": [1.0] * 5}}}
    )
    assert checks(vanishing)["vanishing-gradients"][0] == "error"
    healthy = dynamic_report(
        {"grad_norms": {"Net": {"a": [0.01] * 5, "b": [0.1] * 5, "c": [1.0] * 5}}}
    )
    assert healthy.findings == []
    assert list(healthy.grad_norms) == ["a", "b", "c"]
    growth = [[s, 1.0] for s in range(1, 6)] + [[s, 500.0] for s in range(6, 9)]
    assert checks(dynamic_report({"total_norms": growth}))["exploding-gradients"][0] == "warning"
    steady = [[s, 1.0 + 0.1 * s] for s in range(1, 30)]
    assert dynamic_report({"total_norms": steady}).findings == []


def test_dead_unit_thresholds() -> None:
    def dead(fraction: float, samples: int = 512) -> Report:
        return dynamic_report(
            {
                "dead_units": {
                    "Net": {"relu": {"fraction": fraction, "units": 64, "samples": samples}}
                }
            }
        )

    assert checks(dead(0.95))["dead-relu"][0] == "error"
    assert checks(dead(0.6))["dead-relu"][0] == "warning"
    assert dead(0.4).findings == []
    assert dead(0.95, samples=100).findings == []  # too few samples to call a unit dead
    assert "relu: 95% of 64 units never fired over 512 samples" in dead(0.95).findings[0].evidence


def test_overfitting_needs_a_sustained_gap() -> None:
    def phases(train: list[float], val: list[float]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for t, v in zip(train, val, strict=True):
            out += [
                {"kind": "train", "mean": t, "n": 4, "first_step": 0},
                {"kind": "eval", "mean": v, "n": 1, "first_step": 0},
            ]
        return out

    rising = phases([1.0, 0.7, 0.5, 0.3, 0.2, 0.1], [1.0, 0.8, 0.9, 1.0, 1.2, 1.4])
    assert checks(dynamic_report({"phases": rising}))["overfitting"][0] == "warning"
    noisy = phases([1.0, 0.7, 0.5, 0.4, 0.35], [1.0, 0.8, 0.95, 0.7, 0.65])
    assert dynamic_report({"phases": noisy}).findings == []


def test_a_log_bar_chart_of_zero_gradients_says_so() -> None:
    """Every layer's gradient 0 (all units dead): no empty frame, a sentence instead."""
    from dllab.diagnose.render import bar_chart

    text = bar_chart("gradient norm per layer (log10)", {"0": 0.0, "2": 0.0}, log=True)
    assert "no layer had a gradient above 0" in text and "┌" not in text
    mixed = bar_chart("gradient norm per layer (log10)", {"fc1": 1e-3, "fc2": 0.0}, log=True)
    assert "fc2 (0)" in mixed and "fc1" in mixed
