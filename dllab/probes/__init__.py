"""Probes: one implementation per measured quantity, shared by lessons and `dllab diagnose`.

Each quantity lives in its own module (cockpit's `quantities/` layout). Probes
import torch inside their modules only and never import textual; hook-owning
probes remove their hooks on `close()` / `__exit__`.
"""

from __future__ import annotations

from dllab.probes._base import HookProbe
from dllab.probes.activation_spread import activation_spreads
from dllab.probes.activation_stats import ActivationStatsProbe, activation_stds
from dllab.probes.confusion import confusion_matrix, precisions, recalls
from dllab.probes.dead_units import DeadUnitProbe, activation_types, dead_fractions, fired_units
from dllab.probes.grad_norm import (
    first_last_ratio,
    layer_grad_norms,
    total_grad_norm,
    total_weight_norm,
)
from dllab.probes.graph_size import graph_nodes
from dllab.probes.loss_gap import Overfitting, overfitting_onset, relative_gap
from dllab.probes.preact_grad import PreactGradProbe
from dllab.probes.probability_rows import (
    in_unit_interval,
    is_log_probability_rows,
    is_probability_rows,
)
from dllab.probes.saved_tensors import saved_tensor_bytes
from dllab.probes.symmetry import distinct_rows
from dllab.probes.update_ratio import snapshot, update_ratios
from dllab.probes.weight_norm import weight_norm

__all__ = [
    "ActivationStatsProbe",
    "DeadUnitProbe",
    "HookProbe",
    "Overfitting",
    "PreactGradProbe",
    "activation_spreads",
    "activation_stds",
    "activation_types",
    "confusion_matrix",
    "dead_fractions",
    "distinct_rows",
    "fired_units",
    "first_last_ratio",
    "graph_nodes",
    "in_unit_interval",
    "is_log_probability_rows",
    "is_probability_rows",
    "layer_grad_norms",
    "overfitting_onset",
    "precisions",
    "recalls",
    "relative_gap",
    "saved_tensor_bytes",
    "snapshot",
    "total_grad_norm",
    "total_weight_norm",
    "update_ratios",
    "weight_norm",
]
