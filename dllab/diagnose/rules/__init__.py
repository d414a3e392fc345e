"""The checks of `dllab diagnose`, one per file. `ALL_RULES` is their report order."""

from __future__ import annotations

from dllab.diagnose.rules._base import Context, Rule
from dllab.diagnose.rules._ranked import RankedRule
from dllab.diagnose.rules.clip_after_step import ClipAfterStep
from dllab.diagnose.rules.ddp_batchnorm import DdpBatchnormSync
from dllab.diagnose.rules.ddp_diverged_params import DdpDivergedParams
from dllab.diagnose.rules.ddp_rank_local_decision import DdpRankLocalDecision
from dllab.diagnose.rules.ddp_same_batches import DdpSameBatches
from dllab.diagnose.rules.ddp_set_epoch import DdpSetEpoch
from dllab.diagnose.rules.dead_relu import DeadRelu
from dllab.diagnose.rules.double_softmax import DoubleSoftmax
from dllab.diagnose.rules.eval_without_no_grad import EvalWithoutNoGrad
from dllab.diagnose.rules.exploding_gradients import ExplodingGradients
from dllab.diagnose.rules.frozen_parameters import FrozenParameters
from dllab.diagnose.rules.functional_dropout import FunctionalDropout
from dllab.diagnose.rules.loss_accumulation import LossAccumulation
from dllab.diagnose.rules.lr_schedule_per_batch import LrSchedulePerBatch
from dllab.diagnose.rules.missing_eval import MissingEval
from dllab.diagnose.rules.missing_train import MissingTrain
from dllab.diagnose.rules.missing_zero_grad import MissingZeroGrad
from dllab.diagnose.rules.nll_probabilities import NllProbabilities
from dllab.diagnose.rules.no_detach_hidden import NoDetachHidden
from dllab.diagnose.rules.no_training_step import NoTrainingStep
from dllab.diagnose.rules.non_finite import NonFinite
from dllab.diagnose.rules.optimizer_updates_nothing import OptimizerUpdatesNothing
from dllab.diagnose.rules.overfitting import Overfitting
from dllab.diagnose.rules.softmax_dim import SoftmaxDim
from dllab.diagnose.rules.unregistered_modules import UnregisteredModules
from dllab.diagnose.rules.vanishing_gradients import VanishingGradients
from dllab.diagnose.rules.zero_gradients import ZeroGradients

ALL_RULES: tuple[Rule, ...] = (
    NoTrainingStep(),
    OptimizerUpdatesNothing(),
    ZeroGradients(),
    DoubleSoftmax(),
    NllProbabilities(),
    MissingEval(),
    MissingTrain(),
    FunctionalDropout(),
    MissingZeroGrad(),
    NoDetachHidden(),
    UnregisteredModules(),
    SoftmaxDim(),
    ClipAfterStep(),
    NonFinite(),
    ExplodingGradients(),
    VanishingGradients(),
    DeadRelu(),
    FrozenParameters(),
    Overfitting(),
    LrSchedulePerBatch(),
    EvalWithoutNoGrad(),
    LossAccumulation(),
    DdpSetEpoch(),
    DdpBatchnormSync(),
)
"""Every rule, in report order within a severity."""

ALL_RANK_RULES: tuple[RankedRule, ...] = (
    DdpSameBatches(),
    DdpDivergedParams(),
    DdpRankLocalDecision(),
)
"""The cross-rank checks of a distributed diagnosis (`--nproc-per-node`), after the per-rank ones."""

DISTRIBUTED_CHECKS = frozenset(
    rule.check for rule in (*ALL_RULES, *ALL_RANK_RULES) if rule.check.startswith("ddp-")
)
"""Checks only a distributed run can trigger (their corpus runs under `--nproc-per-node 2`)."""

CHECKS: dict[str, str] = {rule.check: rule.lesson for rule in (*ALL_RULES, *ALL_RANK_RULES)}
"""Check id -> lesson id, the stable vocabulary of `--json`."""

__all__ = [
    "ALL_RANK_RULES",
    "ALL_RULES",
    "CHECKS",
    "DISTRIBUTED_CHECKS",
    "Context",
    "RankedRule",
    "Rule",
]
