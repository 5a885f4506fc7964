"""Turns a valid graph into a `torch.nn.Module` that runs its nodes in topological order.

Each node's module sits in `layers` under the node's id, so weights are saved as ``<node id>.<parameter>``.
Inputs are taken in the order of the graph's Input nodes; with one output head the module returns a tensor,
with several a tuple in the order of `head_ids`.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

import torch
from torch import nn

from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import ValidationResult, validate


class InvalidGraphError(WorkbenchError):
    """The graph has errors, so no module can be built from it."""


class GraphModule(nn.Module):
    def __init__(self, graph: Graph, result: ValidationResult):
        super().__init__()
        self.input_ids = [n.id for n in graph.input_nodes()]
        self.head_ids = [n.id for n in graph.head_nodes()]
        sources_of: dict[str, list[str]] = {}
        for e in graph.edges:  # in edge order, which is the order of a Concat's inputs
            sources_of.setdefault(e.dst, []).append(e.src)
        needed = _ancestors(sources_of, self.head_ids)
        self.layers = nn.ModuleDict()
        steps = []
        for nid in result.order:
            node = graph.nodes[nid]
            if node.spec.role == "input":
                continue
            sources = sources_of.get(nid, [])
            ins = [result.outputs[s] for s in sources]
            self.layers[nid] = node.spec.build(node.params, ins)
            if nid in needed:
                steps.append((nid, tuple(sources)))
        self.steps = steps
        self.input_infos = [result.outputs[i] for i in self.input_ids]
        self.output_infos = [result.outputs[h] for h in self.head_ids]

    def forward(self, *inputs):
        if len(inputs) != len(self.input_ids):
            raise ValueError(f"the network takes {len(self.input_ids)} input(s), got {len(inputs)}")
        values = dict(zip(self.input_ids, inputs))
        for nid, sources in self.steps:
            values[nid] = self.layers[nid](*(values[s] for s in sources))
        outputs = tuple(values[h] for h in self.head_ids)
        return outputs[0] if len(outputs) == 1 else outputs


def _ancestors(sources_of: dict[str, list[str]], targets: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(targets)
    while stack:
        nid = stack.pop()
        if nid in seen:
            continue
        seen.add(nid)
        stack.extend(sources_of.get(nid, ()))
    return seen


def build_module(graph: Graph, result: ValidationResult | None = None) -> GraphModule:
    """Builds the network; raises `InvalidGraphError` listing the problems when the graph has errors."""
    result = result or validate(graph)
    if not result.ok:
        listed = "\n".join(f"- {p.message}" for p in result.errors[:10])
        raise InvalidGraphError(f"The network cannot be built until these problems are fixed:\n{listed}")
    with _collector_paused():
        return GraphModule(graph, result)


@contextmanager
def _collector_paused():
    """Pauses Python's cyclic garbage collector while the layers are made, as the app's warm-up does while PyTorch
    loads. A large network is tens of thousands of new objects that all live on, so the collector finds nothing
    in them, but the burst sets off a full pass over the whole heap, PyTorch's objects included: about 150-200 ms
    of a 5,000-layer build (none for 500 layers). Afterwards one young-generation pass looks at the new objects
    once. The pause is process-wide; when the collector was already paused, it stays paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def example_inputs(module: GraphModule, batch: int = 2, generator: torch.Generator | None = None) -> list:
    """Random inputs of the right shape and kind for `module` (token ids below `vocab` for int inputs)."""
    tensors = []
    for info in module.input_infos:
        shape = (batch, *info.sample_shape)
        if info.dtype == "int":
            tensors.append(torch.randint(0, 2, shape, generator=generator))
        else:
            tensors.append(torch.randn(shape, generator=generator))
    return tensors
