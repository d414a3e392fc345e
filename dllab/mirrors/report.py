"""Send a diagnosis's per-layer charts to Visdom (`dllab diagnose --visdom`).

It takes plain chart data (layer -> value), not diagnose's `Report`: the mirror
draws numbers and knows nothing of how they were found.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from dllab.curriculum.model import ChartKind, ChartSpec
from dllab.engine.events import MetricPoint
from dllab.mirrors._client import VisdomClient, VisdomUnavailable
from dllab.mirrors._windows import BarsWindow
from dllab.mirrors.visdom import Notify, VisdomSender, stderr_notice

GRAD_CHART = ChartSpec(
    id="grad_norms",
    title={"en": "gradient norm per layer (log10)"},
    kind=ChartKind.BARS,
    log_y=True,
    ylabel={"en": "median weight-gradient norm"},
)
"""The same chart as the terminal report's (`dllab.diagnose.render`), on a log axis."""

DEAD_CHART = ChartSpec(
    id="dead_fractions",
    title={"en": "dead-unit fraction per activation layer"},
    kind=ChartKind.BARS,
    ylabel={"en": "fraction of units that never fired"},
)


def report_env(script: str) -> str:
    """The env of one diagnosis: diagnose-<script>-<time>."""
    return f"diagnose-{Path(script).stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def mirror_layer_charts(
    script: str,
    url: str,
    *,
    grad_norms: Mapping[str, float],
    dead_fractions: Mapping[str, float],
    env: str | None = None,
    notify: Notify | None = None,
) -> str | None:
    """Send the per-layer charts of `script`; return the env, or None (with one notice) if down.

    Never raises for an unreachable server: the diagnosis itself already succeeded.
    """
    notify = notify or stderr_notice
    env = env or report_env(script)
    name = Path(script).name
    windows = []
    for spec, values in ((GRAD_CHART, grad_norms), (DEAD_CHART, dead_fractions)):
        if not values:
            continue
        window = BarsWindow(spec, [name], "en")
        for layer, value in values.items():
            window.add(MetricPoint(env, name, 0, layer, float(value)))
        windows.append(window)
    if not windows:
        notify("the report has no per-layer charts to send to Visdom.")
        return None
    client = VisdomClient(url, timeout_s=10.0)
    try:
        VisdomSender(client, env, windows).send_all()
        client.save(env)
    except VisdomUnavailable as exc:
        notify(f"{exc}; the report is above. Start a server with `dllab visdom`.")
        return None
    finally:
        client.close()
    notify(f"sent the per-layer charts to {url} (env {env}).")
    return env
