"""What the child records about optimizers: which parameters train, which are left behind."""

from __future__ import annotations

import torch
from torch import nn

from dllab.diagnose._models import Models, RootModel, init_gain
from dllab.diagnose._steps import Gradients


def one_step(
    model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor
) -> tuple[Gradients, RootModel]:
    """One real step, recorded as the child records it."""
    models = Models(lambda _file: False, lambda: None)
    root = models.root_for(model)
    assert root is not None
    grads = Gradients()
    grads.note_built(opt, ("train.py", 7))
    opt.zero_grad()
    model(x).sum().backward()
    ids = {id(p) for g in opt.param_groups for p in g["params"]}
    grads.before_step(opt, 1, models.stepping(ids))
    opt.step()
    grads.after_step(opt)
    return grads, root


def test_an_optimizer_left_with_only_the_replaced_head_reports_the_new_one() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 5))
    model[0].requires_grad_(False)
    opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
    model[2] = nn.Linear(8, 2)  # after the optimizer: it holds only the old head
    grads, root = one_step(model, opt, torch.randn(6, 4))
    assert grads.untrained_params([root]) == [
        {"model": "Sequential", "params": ["2.weight", "2.bias"], "numel": 18}
    ]
    (record,) = grads.optimizer_records([root])
    assert (record["params"], record["with_grad"], record["stale"], record["frozen"]) == (
        2,
        0,
        2,
        0,
    )
    assert record["momentum"] == 0.0 and record["line"] == 7


def test_an_input_optimized_through_a_fixed_network_leaves_the_network_alone() -> None:
    """Its parameters get gradients and no optimizer holds them: deliberate, not reported."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    image = torch.rand(3, 4, requires_grad=True)
    opt = torch.optim.Adam([image], lr=0.05)
    models = Models(lambda _file: False, lambda: None)
    root = models.root_for(net)
    assert root is not None
    grads = Gradients()
    grads.note_built(opt, None)
    opt.zero_grad()
    net(image).sum().backward()
    grads.before_step(opt, 1, [])
    opt.step()
    assert grads.untrained_params([root]) == []


def test_init_gain_tells_he_init_from_pytorchs_default() -> None:
    torch.manual_seed(0)
    default = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256))
    he = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256))
    for layer in (he[0], he[2]):
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    default_gain, he_gain = init_gain(default), init_gain(he)
    assert default_gain is not None and he_gain is not None
    assert abs(default_gain - 3**-0.5) < 0.05 and abs(he_gain - 2**0.5) < 0.05
    assert init_gain(nn.Sequential(nn.ReLU())) is None
