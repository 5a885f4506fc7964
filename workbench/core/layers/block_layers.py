"""The layer types of reusable blocks: a Block node (one instance of a named definition) and the port nodes inside a
definition, where the block's inputs come in (BlockInput) and its outputs leave (BlockOutput).

None of them computes anything: shape inference, the torch network, export and compression work on the flattened
graph (workbench/core/graph/blocks.py), in which every Block node is replaced by the layers of its definition and
the port nodes by the wires they stand for. A Block node's ports are those of its definition, so the graph gives
each instance a spec of its own (`block_spec`).
"""

from __future__ import annotations

from dataclasses import replace

from workbench.core.errors import ShapeError
from workbench.core.layers.catalog import BLOCKS_PRUNING, PASSES_VALUES, register
from workbench.core.layers.spec import LayerSpec, Port, Setting


def _flattened_only(p, ins):
    raise ShapeError("belongs inside a block, where it stands for a wire; delete it here")


BLOCK = register(LayerSpec(
    "Block", "Block", "Structure", "A reusable group of layers: one instance of a named block definition",
    (Setting("block", "text", "", "Block", "The name of the block definition this node is an instance of"),),
    _flattened_only, _flattened_only, inputs=(), outputs=(), role="block", name_prefix="block",
    compression=BLOCKS_PRUNING))

register(LayerSpec(
    "BlockInput", "Block input", "Structure", "Inside a block: where one of the block's inputs comes in", (),
    _flattened_only, _flattened_only, inputs=(), role="block_input", name_prefix="in", compression=PASSES_VALUES))

register(LayerSpec(
    "BlockOutput", "Block output", "Structure", "Inside a block: where one of the block's outputs leaves", (),
    _flattened_only, _flattened_only, outputs=(), role="block_output", name_prefix="out",
    compression=PASSES_VALUES))

_SPECS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], LayerSpec] = {}


def block_spec(block_name: str, input_ports: tuple[str, ...], output_ports: tuple[str, ...]) -> LayerSpec:
    """The spec of a Block node of block `block_name` (which the canvas and messages show as its kind) whose
    definition has these port names (the ids of its port nodes, in order)."""
    key = (block_name, input_ports, output_ports)
    spec = _SPECS.get(key)
    if spec is None:
        spec = replace(BLOCK, display_name=block_name or BLOCK.display_name,
                       inputs=tuple(Port(p) for p in input_ports), outputs=tuple(Port(p) for p in output_ports))
        _SPECS[key] = spec
    return spec
