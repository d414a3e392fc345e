"""graph_nodes: autograd nodes reachable from a tensor, checked on graphs counted by hand."""

from __future__ import annotations

import torch
from torch import nn

from dllab.probes import graph_nodes


def test_a_chain_counts_every_op_and_the_leaf_accumulator() -> None:
    x = torch.randn(3, requires_grad=True)
    y = x
    for _ in range(5):
        y = torch.tanh(y)
    # 5 TanhBackward + SumBackward + AccumulateGrad(x)
    assert graph_nodes(y.sum()) == 7


def test_a_shared_subgraph_is_counted_once() -> None:
    x = torch.randn(3, requires_grad=True)
    a = x * 2  # MulBackward, reached twice through the add
    assert graph_nodes(a + a) == 3  # AddBackward, MulBackward, AccumulateGrad


def test_no_graph_is_zero() -> None:
    x = torch.randn(3, requires_grad=True)
    assert graph_nodes(x) == 0
    assert graph_nodes((x * 2).detach()) == 0
    assert graph_nodes(torch.randn(3)) == 0


def test_a_carried_hidden_state_grows_the_graph_and_detach_cuts_it() -> None:
    torch.manual_seed(0)
    rnn = nn.GRU(4, 8, batch_first=True)
    x1, x2 = torch.randn(2, 5, 4), torch.randn(2, 5, 4)
    out1, h1 = rnn(x1)
    first = graph_nodes(out1.sum())
    out2, _ = rnn(x2, h1)
    carried = graph_nodes(out2.sum())
    out2d, _ = rnn(x2, h1.detach())
    assert graph_nodes(out2d.sum()) == first
    assert carried > 1.8 * first
