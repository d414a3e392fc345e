"""The size of the autograd graph behind a tensor: what `backward()` from it will walk.

`graph_nodes(t)` counts the distinct autograd nodes (`grad_fn`s and the
`AccumulateGrad` nodes of leaves) reachable from `t.grad_fn`. A recurrent
model whose hidden state is carried across batches without `detach()` builds a
graph that reaches back into every earlier batch, and the count shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


def graph_nodes(tensor: Tensor) -> int:
    """Autograd nodes reachable from `tensor` (0 for a tensor with no graph: a leaf or detached)."""
    seen: set[object] = set()
    todo = [tensor.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)
