"""Turns a valid graph into its network, a `GraphModule` (workbench/core/layers/modules.py), once validation has
found no errors. Importing this module does not import torch; building does.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import ValidationResult, validate


class InvalidGraphError(WorkbenchError):
    """The graph has errors, so no module can be built from it."""


def build_module(graph: Graph, result: ValidationResult | None = None):
    """Builds the network (a `GraphModule`) of `graph`, flattened where it has blocks (the module's layers are then
    named by their flat ids, ``res1__conv1``); raises `InvalidGraphError` listing the problems when the graph has
    errors."""
    from workbench.core.layers.modules import GraphModule  # lazy

    result = result or validate(graph)
    if not result.ok:
        listed = "\n".join(f"- {p.message}" for p in result.errors[:10])
        raise InvalidGraphError(f"The network cannot be built until these problems are fixed:\n{listed}")
    origins = {}
    if result.flat is not None:
        origins = result.flat_graph.origins()
        graph, result = result.flat_graph.graph, result.flat
    with _collector_paused():
        module = GraphModule(graph, result)
    module.origins = origins  # flat layer id -> the network's node it stands for (its block instance); see Trainer
    return module


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


def example_inputs(module, batch: int = 2, generator=None) -> list:
    """Random inputs of the right shape and kind for `module` (token ids below `vocab` for int inputs)."""
    import torch  # lazy

    tensors = []
    for info in module.input_infos:
        shape = (batch, *info.sample_shape)
        if info.dtype == "int":
            tensors.append(torch.randint(0, 2, shape, generator=generator))
        else:
            tensors.append(torch.randn(shape, generator=generator))
    return tensors
