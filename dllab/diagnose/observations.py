"""The diagnose contract: what the child records and the rules read, defined once (no torch).

The child (`_recorder.py`, `_instrument.py`) writes one `Observations` document
as JSON; the parent's rules (`rules/`) read it through `rules._base.Context`.
Both sides name every piece of it through the enums below, so a kind that is
recorded but never read (or read but never recorded) is a test failure
(`tests/diagnose/test_contract.py`), not silent drift.

Three vocabularies:

- `Field`: the top-level keys of the document.
- `Event`: kinds of counted events at a line of the user's code (`sites`).
- `Counter`: run-wide counters (`counters`).

A rule's `requires` lists the members of all three that it reads.
"""

from __future__ import annotations

from enum import Enum, unique
from typing import Any, TypedDict


@unique
class Field(str, Enum):
    """A top-level key of the child's observations."""

    STEPS = "steps"
    """Optimizer steps taken (`int`)."""
    BACKWARDS = "backwards"
    """`backward()` calls (`int`)."""
    MODELS = "models"
    """`list[ModelInfo]`: the top-level modules the script called."""
    OPTIMIZERS = "optimizers"
    """`list[OptimizerInfo]`: each optimizer built or stepped, what it holds and where it was built."""
    GRAD_NORMS = "grad_norms"
    """Model name -> layer -> weight-gradient norm at each dense step."""
    TOTAL_NORMS = "total_norms"
    """`[step, total gradient norm]` pairs at the dense steps (the first 20, then every 10th)."""
    WEIGHT_NORMS = "weight_norms"
    """`[step, total weight norm]` pairs at the same steps as `TOTAL_NORMS`."""
    UPDATE_RATIOS = "update_ratios"
    """`model:param` -> `[min, median, max]` of |Δw| / |w| per step."""
    ZERO_GRAD = "zero_grad"
    """`ZeroGradStats`: were gradients cleared between steps?"""
    NONFINITE = "nonfinite"
    """`NonFiniteInfo`: the first NaN/Inf loss and gradient."""
    SITES = "sites"
    """`Event` value -> `list[SiteRecord]`."""
    LOSSES = "losses"
    """`list[LossSite]`: one per loss function and line."""
    PHASES = "phases"
    """`list[Phase]`: consecutive training / evaluation losses."""
    BACKWARD_LOSSES = "backward_losses"
    """`BackwardLosses`: the finite values `backward()` was called on (a hand-written loss too)."""
    PRINTED_LOSSES = "printed_losses"
    """`list[PrintedLoss]`: validation losses the script printed, with the step they were printed at."""
    ALIVE_OLD_LOSSES = "alive_old_losses"
    """Most loss tensors of earlier steps still holding their graph at once (`int`)."""
    DEAD_UNITS = "dead_units"
    """Model name (or `functional`) -> layer -> `DeadLayer`."""
    UNTRAINED_PARAMS = "untrained_params"
    """`list[UntrainedParams]`: parameters with gradients that no optimizer steps."""
    COUNTERS = "counters"
    """`Counter` value -> `int`."""
    DISTRIBUTED = "distributed"
    """`DistributedInfo`: this rank's view of a `torch.distributed` run (`{}` when not distributed)."""
    NOTES = "notes"
    """Why part of the measurements is missing (`list[str]`), written only when it is."""
    OUTCOME = "outcome"
    """`Outcome`: how the script ended (only in the final document)."""


@unique
class Event(str, Enum):
    """A kind of event counted at a line of the user's code (`Field.SITES`)."""

    STEP = "step"
    """An `optimizer.step()` call (its first three steps only: where the loop is)."""
    BACKWARD = "backward"
    """A `backward()` call (its first three only)."""
    CLIP = "clip"
    """A `clip_grad_*` call."""
    CLIP_AFTER_STEP = "clip_after_step"
    """A `clip_grad_*` call after `step()` with no `backward()` in between (`fn`)."""
    LOSS_ACCUMULATION = "loss_accumulation"
    """Two losses of different steps added with their graphs (`first_step`)."""
    IMPLICIT_SOFTMAX_DIM = "implicit_softmax_dim"
    """`softmax`/`log_softmax` without `dim` (`ndim`, `fn`)."""
    FUNCTIONAL_DROPOUT_IN_EVAL = "functional_dropout_in_eval"
    """`F.dropout(training=True)` inside a model in eval mode (`model`, `p`)."""
    EVAL_IN_TRAIN_MODE = "eval_in_train_mode"
    """A forward under `no_grad` with Dropout/BatchNorm in train mode (`model`, `modules`, `n_modules`, `types`)."""
    EVAL_MODE_WITH_GRAD = "eval_mode_with_grad"
    """A forward in eval mode with gradients enabled (`model`, `step`)."""
    UNREGISTERED_MODULE = "unregistered_module"
    """A module with parameters called in a model's forward but not registered in it (`model`, `type`, `params`)."""
    HIDDEN_NOT_DETACHED = "hidden_not_detached"
    """An RNN given a hidden state whose graph spans an earlier `backward()` (`module`)."""
    EVAL_LEFT_ON = "eval_left_on"
    """The `eval()` / `train(False)` call that left a model in eval mode for a later step, one per such step (`model`)."""


@unique
class Counter(str, Enum):
    """A run-wide counter (`Field.COUNTERS`)."""

    EVAL_FORWARDS = "eval_forwards"
    """Top-level forwards under `no_grad` / inference mode."""
    EVAL_FORWARDS_TRAIN_MODE = "eval_forwards_train_mode"
    """Of those, forwards with a Dropout/BatchNorm still in train mode."""
    STEPS_IN_EVAL = "steps_in_eval"
    """Optimizer steps of a model whose top module was in eval mode."""
    STEPS_AFTER_EVAL_MODE = "steps_after_eval_mode"
    """Optimizer steps with every mode module in eval, after one in train mode."""
    BACKWARD_AFTER_EVAL_FORWARD = "backward_after_eval_forward"
    """`backward()` calls right after an eval-mode forward with gradients (a graph that is used)."""


Need = Field | Event | Counter
"""What a rule can declare in `requires`."""


class RecurrentWeight(TypedDict):
    """A recurrent weight matrix as initialized: its spectral radius sets how gradients scale per time step."""

    layer: str
    """`rnn.weight_hh_l0`: the module's qualified name and the parameter."""
    radius: float
    """Largest |eigenvalue|: > 1 grows a gradient through T time steps up to radius^T."""
    time_steps: int | None
    """The sequence length of the module's first forward."""


GATED_INIT_SCALE = 4.0
"""An LSTM/GRU weight std this many times PyTorch's default is out of scale (`normal_(std=1)`: 14x at 64 units)."""


class GatedCell(TypedDict):
    """An LSTM/GRU (or its cell) as initialized: its weights' scale against PyTorch's default.

    Its gates bound the per-step gain, so no spectral radius says whether gradients grow
    through time; a far larger init than the default (unsaturated candidate paths with
    large weights) does, measured as the gradient at the first steps.
    """

    layer: str
    """The module's qualified name (`rnn`)."""
    type: str
    """`LSTM`, `GRU`, `LSTMCell`, `GRUCell`."""
    hidden: int
    param: str
    """Its weight with the largest std (`rnn.weight_hh_l0`)."""
    std: float
    default_std: float
    """Of PyTorch's default init for that hidden size: uniform(+-1/sqrt(hidden)), std 1/sqrt(3 hidden)."""
    time_steps: int | None
    """The sequence length of the module's first forward (None for a cell: one step per call)."""


ModelInfo = TypedDict(
    "ModelInfo",
    {
        "name": str,  # its class name, `#N`-suffixed when two models share one
        "class": str,  # a keyword, hence this functional form
        "file": str | None,
        "line": int | None,
        "calls": int,
        "layers": list[str],  # leaf modules with a weight, in first-forward order
        "mode_modules": list[str],  # Dropout/BatchNorm submodules (mode changes results)
        "children": list[str],
        "params": int,
        "recurrent": list[
            RecurrentWeight
        ],  # square recurrent weights (nn.RNN) at the first forward
        "gated": list[GatedCell],  # LSTM/GRU modules and cells at the first forward
        "module_types": list[str],  # class names of its submodules (what the code already uses)
        "init_gain": float | None,  # median std*sqrt(fan_in) of its weights at the first call
    },
)
"""A model: a module with parameters called at the top level."""


class OptimizerInfo(TypedDict):
    """One optimizer: its recipe, its parameters, and whether they ever had gradients."""

    type: str
    """Its class (`SGD`, `Adam`, …)."""
    lr: float | None
    """The first parameter group's learning rate at the first step."""
    weight_decay: float | None
    """The first parameter group's weight decay (None: the optimizer has none)."""
    momentum: float | None
    """The first parameter group's momentum (SGD, RMSprop; None: the optimizer has none)."""
    line_search: str | None
    """LBFGS's `line_search_fn` (None: no line search, or not LBFGS)."""
    file: str | None
    line: int | None
    """Where the user's code built it (else where it first stepped)."""
    steps: int
    params: int
    """Parameter tensors it holds."""
    frozen: int
    """Of those, tensors with requires_grad=False."""
    with_grad: int
    """Of those, tensors that had a gradient at one of its steps at least."""
    stale: int
    """Of those, tensors that require grad, are in no model as it is now and never had a gradient (a replaced head)."""
    lr_start: float | None
    """The first parameter group's learning rate at its first step (after a scheduler's warm-up set it)."""
    lr_low_step: int | None
    """Its first step at which that learning rate was below 1% of `lr_start`."""
    lr_last: float | None
    schedulers: list[SchedulerInfo]
    """The LR schedulers built on it."""


class SchedulerInfo(TypedDict):
    """An `torch.optim.lr_scheduler` scheduler: what it is, where it was built and stepped."""

    type: str
    """`StepLR`, `ExponentialLR`, `OneCycleLR`, …"""
    steps: int
    """`scheduler.step()` calls (after the one its constructor makes)."""
    file: str | None
    line: int | None
    """Where the user's code built it."""
    step_file: str | None
    step_line: int | None
    """Where the user's code first called its `step()`."""
    step_size: int | None
    """`StepLR`'s step_size (None for the others)."""
    gamma: float | None


class SiteRecord(TypedDict, total=False):
    """One `Event` at one line: where, how often, and what the event noted (its extras)."""

    file: str
    line: int
    count: int
    fn: str
    first_step: int
    ndim: int
    model: str
    p: float
    modules: list[str]
    n_modules: int
    types: list[str]
    step: int
    type: str
    params: int
    module: str
    callers: list[list[list[Any]]]
    """`eval_in_train_mode`: the distinct chains of user frames ([file, line]) outside this line."""
    callers_truncated: bool


class LossSite(TypedDict):
    """One loss function called at one line, and what its inputs looked like."""

    file: str
    line: int
    count: int
    fn: str
    """`cross_entropy`, `nll_loss`, `binary_cross_entropy_with_logits`, …"""
    checked: int
    """Calls whose input was inspected."""
    prob_rows: int
    """Checked calls whose input rows were probabilities (non-negative, summing to 1)."""
    log_prob_rows: int
    """Checked calls whose input rows were log-probabilities."""
    unit_interval: int
    """Checked binary-loss calls whose input lay in [0, 1]."""
    train_calls: int
    eval_calls: int
    classes: int | None


class Phase(TypedDict, total=False):
    """A run of consecutive losses of one kind: training (grad on) or evaluation (grad off)."""

    kind: str
    """`train` or `eval`."""
    mean: float
    n: int
    first_step: int
    min: float
    max: float


class PrintedLoss(TypedDict):
    """A validation loss the script printed (`val_loss 0.71`, `Validation Loss = 0.71`)."""

    step: int
    """Optimizer steps taken when it was printed."""
    val: float
    train: float | None
    """The training loss printed on the same line (or since the previous validation line)."""
    measured_train: float | None
    """Mean of the losses `backward()` ran on since the previous printed validation loss."""
    epoch: int | None
    """The epoch the line names (`epoch 7 ...`), if any."""
    file: str | None
    line: int | None
    """Where the user's code printed it."""


class DeadLayer(TypedDict, total=False):
    """Dead-unit measurement of one activation layer over a recent window."""

    fraction: float
    units: int
    samples: int
    type: str
    """The layer's module class (`ReLU`, …; `?` when unknown)."""
    start_fraction: float
    """Share of units that never fired over the forwards before the first optimizer step."""
    start_samples: int


class ZeroGradStats(TypedDict):
    checked: int
    """Steps after the first whose gradients were inspected."""
    stale: int
    """Steps that used the previous step's gradient tensors uncleared."""
    first_stale_step: int | None


class NonFiniteValue(TypedDict):
    step: int
    value: str


class NonFiniteLayers(TypedDict):
    model: str
    layers: list[str]


class NonFiniteInfo(TypedDict, total=False):
    loss: NonFiniteValue
    grad: NonFiniteValue
    grad_layer: NonFiniteLayers


class UntrainedParams(TypedDict):
    model: str
    params: list[str]
    numel: int


class ErrorInfo(TypedDict):
    """The exception a script raised, at its innermost frame in the user's files."""

    type: str
    message: str
    file: str | None
    line: int | None
    traceback: str


class StoodAt(TypedDict):
    """Where a run's main thread stood when a time limit stopped it."""

    file: str | None
    line: int | None
    """The innermost line of the user's own code on the stack."""
    in_torch: bool
    """Inside a torch call below that line (e.g. waiting in a collective)."""


class Outcome(TypedDict, total=False):
    status: str
    """`completed`, `max-steps`, `time-limit`, `script-error`, `exit`, `interrupted`, `peer-failed`."""
    exit_code: int
    message: str
    error: ErrorInfo
    note: str
    script_seconds: float
    stood_at: StoodAt
    """At a time limit: where the script was."""
    ended_at: float
    """Wall-clock time (`time.time()`) the script ended: orders the ranks of a distributed run."""


class LoaderEpoch(TypedDict):
    """One pass over a DataLoader (one `iter(loader)`)."""

    step: int
    """Optimizer steps taken before it started."""
    sampler_epoch: int | None
    """The `DistributedSampler`'s `epoch` when it started (what `set_epoch` last set)."""
    fingerprint: str | None
    """Of the first training batch the model saw after the pass started."""


class LoaderInfo(TypedDict):
    """A DataLoader the script iterated while `torch.distributed` was initialized."""

    file: str | None
    line: int | None
    """Where the user's code first iterated it (the `for batch in loader` line)."""
    sampler: str
    """The class of its sampler (`DistributedSampler`, `RandomSampler`, …)."""
    shuffle: bool | None
    """A `DistributedSampler`'s `shuffle`; None for other samplers."""
    length: int | None
    """`len(loader)` (None for an iterable dataset without one)."""
    epochs: list[LoaderEpoch]


class SaveSite(TypedDict):
    """A `torch.save` call site of the user's code and the steps at which it ran."""

    file: str
    line: int
    steps: list[int]


class BypassedModel(TypedDict):
    """A model called directly although a `DistributedDataParallel` wraps it."""

    model: str
    file: str | None
    line: int | None
    """The user's line of its first training forward."""


class DistributedInfo(TypedDict, total=False):
    """One rank of a distributed run (written only once `torch.distributed` is initialized)."""

    rank: int
    world_size: int
    backend: str
    wrapped: list[str]
    """Models called through `DistributedDataParallel` (their names in `models`)."""
    built: list[tuple[str, int]]
    """Where the user's code built each `DistributedDataParallel` (file, line)."""
    bypassed: list[BypassedModel]
    """Models wrapped in a `DistributedDataParallel` but called directly (`ddp.module(x)`)."""
    batch_size: int | None
    """The first dimension of the first training input a model received on this rank."""
    batchnorm: list[str]
    """BatchNorm modules (not `SyncBatchNorm`) inside the DDP-wrapped models, qualified names."""
    fingerprints: list[tuple[int, str]]
    """`[steps taken before, fingerprint]` of the first training input after those steps."""
    checksums: list[tuple[int, int, list[float]]]
    """`[step, optimizer index, param_checksums]` (step 0: before its first step)."""
    loaders: list[LoaderInfo]
    saves: list[SaveSite]


class BackwardLosses(TypedDict):
    """The scalar losses `backward()` ran on: the training loss when no loss function was called."""

    n: int
    min: float | None
    max: float | None


class Observations(TypedDict, total=False):
    """The document the child writes (keys: `Field` values)."""

    steps: int
    backwards: int
    models: list[ModelInfo]
    optimizers: list[OptimizerInfo]
    grad_norms: dict[str, dict[str, list[float]]]
    total_norms: list[tuple[int, float]]
    weight_norms: list[tuple[int, float]]
    update_ratios: dict[str, list[float]]
    zero_grad: ZeroGradStats
    nonfinite: NonFiniteInfo
    sites: dict[str, list[SiteRecord]]
    losses: list[LossSite]
    phases: list[Phase]
    backward_losses: BackwardLosses
    printed_losses: list[PrintedLoss]
    alive_old_losses: int
    dead_units: dict[str, dict[str, DeadLayer]]
    untrained_params: list[UntrainedParams]
    counters: dict[str, int]
    distributed: DistributedInfo
    notes: list[str]
    outcome: Outcome
